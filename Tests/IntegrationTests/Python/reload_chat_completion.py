import http.client, json, os
c = http.client.HTTPConnection('127.0.0.1', int(os.environ['GATEWAY_PORT']), timeout=60)
body = {'model': os.environ['MODEL'], 'stream': os.environ['STREAM'] == 'true', 'messages': [{'role': 'user', 'content': 'one two three four'}]}
c.request('POST', '/v1/chat/completions', body=json.dumps(body), headers={'content-type': 'application/json'})
r = c.getresponse()
print(json.dumps({'status': r.status, 'body': r.read().decode()}))
