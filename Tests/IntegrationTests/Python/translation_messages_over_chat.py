tools = [{'name': 'get_weather', 'description': 'The weather in a city', 'input_schema': {'type': 'object', 'properties': {'city': {'type': 'string'}}}}]
m = client.messages.create(model='fast', max_tokens=64, messages=[{'role': 'user', 'content': 'hello there gateway'}])
out['plain'] = [m.content[0].type, m.content[0].text, m.stop_reason, m.usage.input_tokens, m.usage.output_tokens]
with client.messages.stream(model='gpt-test', max_tokens=64, messages=[{'role': 'user', 'content': 'one two three'}]) as s:
    text = ''.join(s.text_stream)
    final = s.get_final_message()
out['stream'] = [text, final.stop_reason, final.usage.input_tokens, final.usage.output_tokens]
raw = list(client.messages.create(model='fast', max_tokens=64, messages=[{'role': 'user', 'content': 'one two three'}], stream=True))
out['events'] = [e.type for e in raw]
out['start_usage'] = raw[0].message.usage.input_tokens
t = client.messages.create(model='fast', max_tokens=64, tools=tools, messages=[{'role': 'user', 'content': 'weather please'}])
out['tool'] = [t.stop_reason, [[b.type, b.name, b.input, b.id] for b in t.content if b.type == 'tool_use']]
with client.messages.stream(model='fast', max_tokens=64, tools=tools, messages=[{'role': 'user', 'content': 'weather please'}]) as s:
    partial = ''.join(e.partial_json for e in s if e.type == 'input_json')
    st = s.get_final_message()
out['tool_stream'] = [st.stop_reason, partial, [[b.name, b.input, b.id] for b in st.content if b.type == 'tool_use'], st.usage.output_tokens]
with client.messages.stream(model='fast', max_tokens=64, tools=tools, messages=[{'role': 'user', 'content': 'weather in Paris and Rome'}]) as s:
    p = s.get_final_message()
out['parallel'] = [p.stop_reason, [[b.name, b.input, b.id] for b in p.content if b.type == 'tool_use']]
call = [b for b in t.content if b.type == 'tool_use'][0]
r = client.messages.create(model='fast', max_tokens=64, tools=tools, messages=[
    {'role': 'user', 'content': 'weather please'},
    {'role': 'assistant', 'content': [{'type': 'tool_use', 'id': call.id, 'name': call.name, 'input': call.input}]},
    {'role': 'user', 'content': [{'type': 'tool_result', 'tool_use_id': call.id, 'content': 'sunny and warm'}, {'type': 'text', 'text': 'thanks a lot'}]}])
out['round_trip'] = [r.stop_reason, r.content[0].text]
out['count'] = client.messages.count_tokens(model='fast', messages=[{'role': 'user', 'content': 'hello there gateway'}]).input_tokens
try:
    client.messages.create(model='nope', max_tokens=5, messages=[{'role': 'user', 'content': 'x'}])
except anthropic.NotFoundError as e:
    out['not_found'] = [e.status_code, e.body['error']['type'], e.body['error']['code']]
