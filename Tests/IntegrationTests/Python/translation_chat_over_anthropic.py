r = client.chat.completions.create(model='fast', messages=[{'role': 'system', 'content': 'be brief'}, {'role': 'user', 'content': 'hello there gateway'}])
out['plain'] = [r.choices[0].message.content, r.choices[0].finish_reason, r.usage.prompt_tokens, r.usage.completion_tokens]
chunks = list(client.chat.completions.create(model='fast', messages=[{'role': 'user', 'content': 'one two three'}], stream=True, stream_options={'include_usage': True}))
out['stream'] = [''.join(c.choices[0].delta.content or '' for c in chunks if c.choices), [c.usage.completion_tokens for c in chunks if c.usage]]
tools = [{'type': 'function', 'function': {'name': 'get_weather', 'parameters': {'type': 'object', 'properties': {'city': {'type': 'string'}}}}}]
arguments = ''
for c in client.chat.completions.create(model='fast', messages=[{'role': 'user', 'content': 'weather please'}], tools=tools, stream=True):
    for choice in c.choices:
        for call in choice.delta.tool_calls or []: arguments += call.function.arguments or ''
        if choice.finish_reason: out['finish'] = choice.finish_reason
out['arguments'] = arguments
