try:
    client.chat.completions.create(model='gpt-test', messages=[])
except openai.APIStatusError as e:
    print(json.dumps({'status': e.status_code, 'code': e.body.get('code'), 'message': e.body.get('message')}))
