arrivals = {}
text = ""
for event in client.messages.create(
        model="fake-model", max_tokens=64, messages=[{"role": "user", "content": "one two"}], stream=True):
    arrivals.setdefault(event.type, time.monotonic())
    if event.type == "content_block_delta":
        text += event.delta.text
out({"text": text, "gap": arrivals["content_block_start"] - arrivals["message_start"]})
