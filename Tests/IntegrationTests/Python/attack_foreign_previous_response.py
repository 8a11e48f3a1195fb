import json, os, openai
base = 'http://127.0.0.1:' + os.environ['GATEWAY_PORT'] + '/v1'
alice = openai.OpenAI(base_url=base, api_key=os.environ['ALICE_KEY'])
bob = openai.OpenAI(base_url=base, api_key=os.environ['BOB_KEY'])
first = alice.responses.create(model='gpt-test', input='my password is hunter2')
out = {}
try:
    bob.responses.create(model='gpt-test', previous_response_id=first.id, input='what did I say?')
except openai.BadRequestError as e:
    out['bob'] = [e.status_code, e.body.get('code')]
out['alice'] = alice.responses.create(model='gpt-test', previous_response_id=first.id, input='what did I say?').status
print(json.dumps(out))
