out = {}
r = client.chat.completions.create(model='fast', messages=[{'role': 'user', 'content': 'hello there gateway'}])
out['plain'] = r.choices[0].message.content
out['usage'] = [r.usage.prompt_tokens, r.usage.completion_tokens]
chunks = list(client.chat.completions.create(model='gpt-test', messages=[{'role': 'user', 'content': 'one two three'}], stream=True))
out['streamed'] = ''.join(c.choices[0].delta.content or '' for c in chunks if c.choices)
out['usage_chunks'] = sum(1 for c in chunks if c.usage is not None)
t = client.chat.completions.create(model='fast', messages=[{'role': 'user', 'content': 'weather please'}], tools=[{'type': 'function', 'function': {'name': 'get_weather', 'parameters': {'type': 'object', 'properties': {'city': {'type': 'string'}}}}}])
out['tool'] = [t.choices[0].finish_reason, t.choices[0].message.tool_calls[0].function.name, t.choices[0].message.tool_calls[0].function.arguments]
arguments = ''
for c in client.chat.completions.create(model='fast', messages=[{'role': 'user', 'content': 'weather please'}], tools=[{'type': 'function', 'function': {'name': 'get_weather', 'parameters': {'type': 'object', 'properties': {'city': {'type': 'string'}}}}}], stream=True, stream_options={'include_usage': True}):
    if c.usage is not None: out['stream_usage'] = c.usage.total_tokens
    for choice in c.choices:
        for call in choice.delta.tool_calls or []: arguments += call.function.arguments or ''
out['streamed_arguments'] = arguments
out['models'] = [m.id for m in client.models.list()]
try:
    client.chat.completions.create(model='nope', messages=[{'role': 'user', 'content': 'x'}])
except openai.NotFoundError as e:
    out['not_found'] = [e.status_code, e.body.get('code')]
print(json.dumps(out))
