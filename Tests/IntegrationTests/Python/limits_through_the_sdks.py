# Both official SDKs against the gateway, retries off, so what the gateway answers is what they see.
import json, os, anthropic, openai
port = os.environ['GATEWAY_PORT']
chat = openai.OpenAI(base_url=f'http://127.0.0.1:{port}/v1', api_key='k', max_retries=0)
messages = anthropic.Anthropic(base_url=f'http://127.0.0.1:{port}', api_key='k', max_retries=0)
out = []
for name in os.environ['SURFACES'].split():
    try:
        if name == 'chat':
            out.append(chat.chat.completions.create(model='gpt-test', messages=[{'role': 'user', 'content': 'one two'}]).choices[0].message.content)
        elif name == 'messages':
            out.append(messages.messages.create(model='gpt-test', max_tokens=50, messages=[{'role': 'user', 'content': 'one two'}]).content[0].text)
    except (openai.APIStatusError, anthropic.APIStatusError) as e:
        body = e.body if isinstance(e.body, dict) else {}
        error = body.get('error', body) if isinstance(body.get('error', body), dict) else body
        out.append({'status': e.status_code, 'retry_after': e.response.headers.get('retry-after'), 'type': type(e).__name__,
                     'code': error.get('code'), 'message': error.get('message')})
print(json.dumps({'answers': out}))
