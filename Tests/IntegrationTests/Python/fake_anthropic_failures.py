def attempt(url, stream=False):
    c = anthropic.Anthropic(base_url=url, max_retries=0, timeout=20)
    text, types = "", []
    try:
        r = c.messages.create(model="fake-model", max_tokens=64,
                              messages=[{"role": "user", "content": "one two three"}], stream=stream)
        for event in (r if stream else []):
            types.append(event.type)
            if event.type == "content_block_delta":
                text += event.delta.text
        return {"error": None, "text": text, "types": types}
    except Exception as e:
        return {"error": type(e).__name__, "status": getattr(e, "status_code", None), "message": str(e),
                "text": text, "types": types}
out({name: attempt(os.environ[name], stream=(name == "CUT")) for name in ["AUTH", "OVERLOADED", "CLOSING", "CUT"]})
