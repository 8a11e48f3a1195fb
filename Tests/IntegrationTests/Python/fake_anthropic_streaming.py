messages = [{"role": "user", "content": "one two three"}]
with client.messages.stream(model="fake-model", max_tokens=64, messages=messages) as stream:
    pieces = list(stream.text_stream)
    final = stream.get_final_message()
raw = [event.type for event in client.messages.create(model="fake-model", max_tokens=64, messages=messages, stream=True)]
out({"pieces": pieces, "final": final.model_dump(), "raw": raw})
