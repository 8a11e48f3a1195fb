try:
    with client.messages.stream(model='fast', max_tokens=64, messages=[{'role': 'user', 'content': 'one two three four'}]) as s:
        for _ in s: pass
    out['result'] = 'ended cleanly'
except anthropic.APIStatusError as e:
    out['result'] = ['error', e.body['error']['type'] if isinstance(e.body, dict) else str(e.body)]
except Exception as e:
    out['result'] = ['exception', type(e).__name__, str(e)]
