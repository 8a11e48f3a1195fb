import json, os, openai, anthropic
client = openai.OpenAI(base_url='http://127.0.0.1:' + os.environ['GATEWAY_PORT'] + '/v1', api_key='demo')
out = {}
r = client.chat.completions.create(model='demo', messages=[{'role': 'user', 'content': 'Hello through the tunnel'}])
out['plain'] = r.choices[0].message.content
out['usage'] = [r.usage.prompt_tokens > 0, r.usage.completion_tokens > 0]
chunks = list(client.chat.completions.create(model='demo-model', messages=[{'role': 'user', 'content': 'Stream it'}], stream=True))
out['streamed'] = ''.join(c.choices[0].delta.content or '' for c in chunks if c.choices)
out['chunks'] = len(chunks)
t = client.chat.completions.create(model='demo', messages=[{'role': 'user', 'content': 'What is the weather in Porto?'}], tools=[{'type': 'function', 'function': {'name': 'get_weather', 'parameters': {'type': 'object', 'properties': {'location': {'type': 'string'}}}}}])
call = t.choices[0].message.tool_calls[0]
out['tool'] = [t.choices[0].finish_reason, call.function.name, json.loads(call.function.arguments)['location']]
arguments, pieces = '', 0
for c in client.chat.completions.create(model='demo', messages=[{'role': 'user', 'content': 'weather in Oslo'}], tools=[{'type': 'function', 'function': {'name': 'get_weather', 'parameters': {'type': 'object', 'properties': {'location': {'type': 'string'}}}}}], stream=True):
    for choice in c.choices:
        for delta in choice.delta.tool_calls or []:
            if delta.function.arguments:
                arguments += delta.function.arguments
                pieces += 1
out['streamed_tool'] = [json.loads(arguments)['location'], pieces]
out['responses'] = client.responses.create(model='demo', input='Hello responses').output_text
message = anthropic.Anthropic(base_url='http://127.0.0.1:' + os.environ['GATEWAY_PORT'], api_key='demo').messages.create(
    model='demo-model', max_tokens=200, messages=[{'role': 'user', 'content': 'Hello messages'}])
out['messages'] = message.content[0].text
try:
    client.chat.completions.create(model='demo-m365', messages=[{'role': 'user', 'content': 'Hi'}])
except openai.APIStatusError as e:
    out['m365'] = [e.status_code, e.body.get('code'), e.body.get('message')]
print(json.dumps(out))
