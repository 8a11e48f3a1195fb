import os, openai
client = openai.OpenAI(base_url='http://127.0.0.1:' + os.environ['GATEWAY_PORT'] + '/v1', api_key='x')
print(client.chat.completions.create(model='gpt-test', messages=[{'role': 'user', 'content': 'for the bridge only'}]).choices[0].message.content)
