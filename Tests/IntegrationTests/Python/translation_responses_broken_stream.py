types = []
try:
    for e in client.responses.create(model='fast', input='one two three four', stream=True): types.append(e.type)
except Exception as e:
    types.append('exception')
out['types'] = types
