import http.client, json, os
hostile = ['SK-x-stolen-key', 'sk-proj-abc123', 'Bearer sk-live-abc', 'bearer xyz', 'ghp_0123456789abcdefghijklmn',
           'Basic YWxhZGRpbjpvcGVuc2VzYW1l', 'x' * 100, 'token 9f8e7d6c5b4a39281706f5e4d3c2b1a0', 'SK-ant-00000', 'sk_live_0000']
body = json.dumps({'model': 'gpt-test', 'messages': [{'role': 'user', 'content': 'hi'}]})
connections = [http.client.HTTPConnection('127.0.0.1', int(os.environ['GATEWAY_PORT'])) for _ in range(2)]
statuses = {}
def send(i, key, caller):
    headers = {'Content-Type': 'application/json', 'Host': '127.0.0.1'}
    if key: headers['Authorization'] = 'Bearer ' + key
    if caller: headers['X-Caller'] = caller
    connection = connections[i % 2]
    connection.request('POST', '/v1/chat/completions', body=body, headers=headers)
    response = connection.getresponse()
    response.read()
    statuses[response.status] = statuses.get(response.status, 0) + 1
for i in range(1000):
    key = os.environ['ALICE_KEY'] if i % 2 == 0 else os.environ['BOB_KEY']
    caller = hostile[i // 100] if i % 100 == 7 else ('alice' if i == 501 else 'team-a')
    send(i, key, caller)
    if i % 20 == 0:
        send(i, None, 'SK-x')
        send(i, 'sk-wrong-key', 'SK-x')
print(json.dumps({str(k): v for k, v in statuses.items()}))
