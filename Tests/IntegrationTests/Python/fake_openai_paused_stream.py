arrivals = []
text = ""
for chunk in client.chat.completions.create(
        model="fake-model", messages=[{"role": "user", "content": "one two"}], stream=True):
    if chunk.choices and chunk.choices[0].delta.content:
        arrivals.append(time.monotonic())
        text += chunk.choices[0].delta.content
out({"text": text, "gap": arrivals[1] - arrivals[0]})
