messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hello  there\nworld"}]
r = client.chat.completions.create(model="fake-model", messages=messages)
q = openai.OpenAI(base_url=os.environ["QUIET"], max_retries=0).chat.completions.create(model="m", messages=messages)
out({"id": r.id, "model": r.model, "text": r.choices[0].message.content, "finish": r.choices[0].finish_reason,
     "usage": r.usage.model_dump(), "quiet_usage": q.usage and q.usage.model_dump()})
