args = dict(model="fake-model", system="Be brief.", messages=[{"role": "user", "content": "hello there world"}])
counted = client.messages.count_tokens(**args).input_tokens
used = client.messages.create(max_tokens=64, **args).usage.input_tokens
try:
    anthropic.Anthropic(base_url=os.environ["WITHOUT"], max_retries=0).messages.count_tokens(**args)
    missing = None
except anthropic.APIStatusError as e:
    missing = [type(e).__name__, str(e.status_code), e.body["error"]["type"]]
out({"counted": counted, "used": used, "missing": missing, "version": anthropic._constants.ANTHROPIC_API_VERSION})
