def attempt(url, stream=False):
    c = openai.OpenAI(base_url=url, max_retries=0, timeout=20)
    text = ""
    try:
        r = c.chat.completions.create(
            model="fake-model", messages=[{"role": "user", "content": "one two three"}], stream=stream)
        for chunk in (r if stream else []):
            if chunk.choices and chunk.choices[0].delta.content:
                text += chunk.choices[0].delta.content
        return {"error": None, "text": text}
    except Exception as e:
        return {"error": type(e).__name__, "status": getattr(e, "status_code", None), "message": str(e), "text": text}
out({name: attempt(os.environ[name], stream=(name == "CUT")) for name in ["AUTH", "UNAVAILABLE", "CLOSING", "CUT"]})
