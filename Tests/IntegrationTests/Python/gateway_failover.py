ok, errors = 0, []
for i in range(60):
    try:
        stream = i % 2 == 1
        r = client.chat.completions.create(model='fast', messages=[{'role': 'user', 'content': f'request {i}'}], stream=stream)
        text = ''.join(c.choices[0].delta.content or '' for c in r if c.choices) if stream else r.choices[0].message.content
        assert text == f'echo: request {i}', text
        ok += 1
    except Exception as e:
        errors.append(repr(e))
    time.sleep(0.02)
print(json.dumps({'ok': ok, 'errors': errors}))
