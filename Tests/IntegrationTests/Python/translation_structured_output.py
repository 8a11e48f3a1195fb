# Structured output across dialects through both official SDKs: Anthropic's output_config over a chat
# bridge, chat's response_format and Responses' text.format over an Anthropic bridge, json_object refused.
import json, os, anthropic, openai
port = os.environ['GATEWAY_PORT']
chat = openai.OpenAI(base_url=f'http://127.0.0.1:{port}/v1', api_key='k', max_retries=0)
messages = anthropic.Anthropic(base_url=f'http://127.0.0.1:{port}', api_key='k', max_retries=0)
schema = {'type': 'object', 'properties': {'city': {'type': 'string'}}, 'required': ['city'], 'additionalProperties': False}
prompt = [{'role': 'user', 'content': 'where'}]
out = {}
m = messages.messages.create(model='over-chat', max_tokens=50, messages=prompt, output_config={'format': {'type': 'json_schema', 'schema': schema}})
out['messages'] = m.content[0].type
r = chat.chat.completions.create(model='over-anthropic', messages=prompt,
                                 response_format={'type': 'json_schema', 'json_schema': {'name': 'place', 'schema': schema, 'strict': True}})
out['chat'] = r.choices[0].finish_reason
r = chat.responses.create(model='over-anthropic', input='where', text={'format': {'type': 'json_schema', 'name': 'place', 'schema': schema, 'strict': True}})
out['responses'] = r.status
try:
    chat.chat.completions.create(model='over-anthropic', messages=prompt, response_format={'type': 'json_object'})
    out['json_object'] = 'accepted'
except openai.BadRequestError as e:
    out['json_object'] = [e.status_code, e.body.get('message')]
print(json.dumps(out))
