tools = [{"type": "function", "function": {"name": "get_weather", "description": "Weather in a city",
          "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}},
         {"type": "function", "function": {"name": "get_time", "parameters": {"type": "object"}}}]
messages = [{"role": "user", "content": "What is the weather in Paris?"}]
whole = client.chat.completions.create(model="fake-model", messages=messages, tools=tools)
call = whole.choices[0].message.tool_calls[0]
calls, finish, fragments = {}, None, 0
for chunk in client.chat.completions.create(model="fake-model", messages=messages, tools=tools, stream=True):
    for choice in chunk.choices:
        finish = choice.finish_reason or finish
        for delta in choice.delta.tool_calls or []:
            entry = calls.setdefault(delta.index, {"id": None, "name": None, "arguments": ""})
            entry["id"] = delta.id or entry["id"]
            if delta.function and delta.function.name: entry["name"] = delta.function.name
            if delta.function and delta.function.arguments:
                entry["arguments"] += delta.function.arguments
                fragments += 1
messages += [whole.choices[0].message.model_dump(exclude_none=True),
             {"role": "tool", "tool_call_id": call.id, "content": "Sunny, 21 C"}]
after = client.chat.completions.create(model="fake-model", messages=messages, tools=tools)
out({"whole": {"id": call.id, "name": call.function.name, "arguments": call.function.arguments,
               "finish": whole.choices[0].finish_reason, "usage": whole.usage.model_dump()},
     "streamed": {"calls": list(calls.values()), "finish": finish, "fragments": fragments},
     "after": after.choices[0].message.content})
