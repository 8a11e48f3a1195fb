import urllib.request, urllib.error
out = {}
try:
    urllib.request.urlopen(urllib.request.Request(client.base_url.join('chat/completions').__str__(), data=b'{"model":"gpt-test","messages":[]}', headers={'Content-Type': 'application/json'}))
except urllib.error.HTTPError as e:
    out['none'] = [e.code, json.loads(e.read())['error']['code']]
try:
    openai.OpenAI(api_key='sk-wrong').chat.completions.create(model='gpt-test', messages=[{'role': 'user', 'content': 'x'}])
except openai.AuthenticationError as e:
    out['wrong'] = [e.status_code, e.body.get('code')]
r = client.chat.completions.create(model='gpt-test', messages=[{'role': 'user', 'content': 'hi bob'}])
out['served'] = r.choices[0].message.content
print(json.dumps(out))
