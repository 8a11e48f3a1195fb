import http.client
c = http.client.HTTPConnection('127.0.0.1', int(os.environ['GATEWAY_PORT']), timeout=30)
body = {'model': 'fast', 'max_tokens': 64, 'stream': True, 'messages': [{'role': 'user', 'content': 'one two three'}]}
c.request('POST', '/v1/messages', body=json.dumps(body), headers={'content-type': 'application/json', 'x-api-key': os.environ['GATEWAY_KEY']})
data = c.getresponse().read().decode()
out['events'] = [line[7:] for line in data.splitlines() if line.startswith('event: ')]
