import json, os, openai
client = openai.OpenAI(base_url='http://127.0.0.1:' + os.environ['GATEWAY_PORT'] + '/v1', api_key='x')
out = {'ours': client.chat.completions.create(model='gpt-ours', messages=[{'role': 'user', 'content': 'hi'}]).choices[0].message.content}
try:
    client.chat.completions.create(model='gpt-office', messages=[{'role': 'user', 'content': 'a secret prompt'}])
except openai.APIStatusError as e:
    out['office'] = [e.status_code, e.body.get('code')]
print(json.dumps(out))
