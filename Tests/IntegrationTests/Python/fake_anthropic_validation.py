def attempt(body, headers={}):
    try:
        client.post("/v1/messages", body=body, cast_to=object, options={"headers": headers})
        return None
    except anthropic.APIStatusError as e:
        return [type(e).__name__, str(e.status_code), e.body["type"], e.body["error"]["type"], e.body["error"]["message"]]
message = {"role": "user", "content": "hi"}
out({"version": attempt({"model": "m", "max_tokens": 8, "messages": [message]}, {"anthropic-version": anthropic.Omit()}),
     "model": attempt({"max_tokens": 8, "messages": [message]}),
     "max_tokens": attempt({"model": "m", "messages": [message]}),
     "messages": attempt({"model": "m", "max_tokens": 8}),
     "valid": attempt({"model": "m", "max_tokens": 8, "messages": [message]})})
