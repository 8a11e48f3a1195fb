sent = []
c = openai.OpenAI(default_headers={'X-Caller': 'alice'}, max_retries=0,
    http_client=openai.DefaultHttpxClient(event_hooks={'request': [lambda request: sent.append(request.content.decode())]}))
r = c.responses.create(model='fast', input='hello there gateway', instructions='be brief')
out['plain'] = [r.output_text, r.status, r.model, r.usage.input_tokens, r.usage.output_tokens, r.usage.total_tokens]
out['plain_id'] = r.id
with c.responses.stream(model='gpt-test', input=[{'role': 'user', 'content': 'one two three'}]) as s:
    types = [e.type for e in s]
    final = s.get_final_response()
out['stream'] = [final.output_text, final.status, final.usage.input_tokens, final.usage.output_tokens]
out['stream_types'] = types
events = list(c.responses.create(model='fast', input='alpha beta', stream=True))
out['deltas'] = ''.join(e.delta for e in events if e.type == 'response.output_text.delta')
out['sequence'] = [e.sequence_number for e in events] == list(range(len(events)))
out['sent'] = sent
