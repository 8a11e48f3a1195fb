c = client.with_options(max_retries=0)
types, error = [], None
for e in c.responses.create(model='fast', input='one two three four', stream=True):
    types.append(e.type)
    if e.type == 'error': error = [e.code, e.message]
out['types'] = types
out['error'] = error
try:
    c.responses.create(model='fast', input='cut me short')
    out['whole'] = 'answered'
except openai.APIStatusError as e:
    out['whole'] = [e.status_code, e.body.get('code')]
