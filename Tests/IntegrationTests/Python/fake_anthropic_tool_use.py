tools = [{"name": "get_weather", "description": "Weather in a city",
          "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}}},
         {"name": "get_time", "input_schema": {"type": "object"}}]
messages = [{"role": "user", "content": "What is the weather in Paris?"}]
whole = client.messages.create(model="fake-model", max_tokens=64, messages=messages, tools=tools)
with client.messages.stream(model="fake-model", max_tokens=64, messages=messages, tools=tools) as stream:
    fragments = sum(1 for event in stream if event.type == "input_json")
    final = stream.get_final_message()
block = whole.content[0]
after = client.messages.create(model="fake-model", max_tokens=64, tools=tools, messages=messages + [
    {"role": "assistant", "content": [block.model_dump()]},
    {"role": "user", "content": [{"type": "tool_result", "tool_use_id": block.id, "content": "Sunny, 21 C"}]}])
refused = client.messages.create(model="fake-model", max_tokens=64, messages=messages, tools=tools,
                                 tool_choice={"type": "none"})
out({"whole": whole.model_dump(), "streamed": final.model_dump(), "fragments": fragments,
     "after": [after.content[0].text, after.stop_reason, str(after.usage.input_tokens)],
     "refused": refused.content[0].text})
