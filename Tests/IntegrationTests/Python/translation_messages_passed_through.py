m = client.messages.create(model='fast', max_tokens=64, messages=[{'role': 'user', 'content': 'hello there gateway'}], extra_headers={'anthropic-beta': 'tools-2024-04-04'})
out['plain'] = [m.content[0].text, m.usage.input_tokens, m.model]
with client.messages.stream(model='fast', max_tokens=64, messages=[{'role': 'user', 'content': 'one two three'}]) as s:
    out['stream'] = ''.join(s.text_stream)
counted = client.messages.count_tokens(model='fast', messages=[{'role': 'user', 'content': 'one two three four'}])
out['count'] = [counted.input_tokens, counted.model_dump().get('estimated')]
