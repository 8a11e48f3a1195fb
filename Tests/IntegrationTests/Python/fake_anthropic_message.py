messages = [{"role": "user", "content": "hello  there\nworld"}]
r = client.messages.create(model="fake-model", max_tokens=64, system="Be brief.", messages=messages)
b = client.beta.messages.create(model="other-model", max_tokens=64, messages=messages, betas=["fake-beta-2025-01-01"],
                                system=[{"type": "text", "text": "Be brief."}])
out({"message": r.model_dump(), "beta": {"text": b.content[0].text, "model": b.model, "usage": b.usage.input_tokens},
     "version": anthropic._constants.ANTHROPIC_API_VERSION})
