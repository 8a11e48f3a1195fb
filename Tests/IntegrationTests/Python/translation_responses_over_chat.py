tools = [{'type': 'function', 'name': 'get_weather', 'parameters': {'type': 'object', 'properties': {'city': {'type': 'string'}}}}]
r = client.responses.create(model='fast', input='hello there gateway', instructions='be brief')
out['plain'] = [r.output_text, r.status, r.usage.input_tokens, r.usage.output_tokens, r.id[:5]]
with client.responses.stream(model='gpt-test', input='one two three') as s:
    types = [e.type for e in s]
    final = s.get_final_response()
out['stream'] = [final.output_text, final.usage.output_tokens]
out['stream_events'] = [types[0], types[1], types[-1]]
f = client.responses.create(model='fast', input=[{'role': 'user', 'content': 'weather please'}], tools=tools)
call = [o for o in f.output if o.type == 'function_call'][0]
out['call'] = [call.name, call.arguments, call.call_id]
events = list(client.responses.create(model='fast', input='weather in Paris and Rome', tools=tools, stream=True))
done = [e for e in events if e.type == 'response.function_call_arguments.done']
out['parallel'] = sorted(e.arguments for e in done)
out['sequence'] = [e.sequence_number for e in events] == list(range(len(events)))
back = client.responses.create(model='fast', tools=tools, previous_response_id=f.id,
    input=[{'type': 'function_call_output', 'call_id': call.call_id, 'output': 'sunny and warm'}])
out['follow_up'] = back.output_text
try:
    client.responses.create(model='fast', input='x', previous_response_id='resp_unknown')
except openai.BadRequestError as e:
    out['unknown_previous'] = [e.status_code, e.body.get('code')]
