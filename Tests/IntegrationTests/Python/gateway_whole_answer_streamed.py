# Stream requests through both official SDKs to a bridge that answers every stream request with a whole JSON body.
import json, os, anthropic, openai
port = os.environ['GATEWAY_PORT']
chat = openai.OpenAI(base_url=f'http://127.0.0.1:{port}/v1', api_key='k', max_retries=0)
messages = anthropic.Anthropic(base_url=f'http://127.0.0.1:{port}', api_key='k', max_retries=0)
prompt = [{'role': 'user', 'content': 'hi'}]
out = {}
try:
    stream = chat.chat.completions.create(model='gpt-test', messages=prompt, stream=True, stream_options={'include_usage': True})
    chunks = list(stream)
    out['chat'] = ''.join(c.choices[0].delta.content or '' for c in chunks if c.choices)
    out['chat_usage'] = [c.usage.completion_tokens for c in chunks if c.usage]
    with messages.messages.stream(model='gpt-test', max_tokens=50, messages=prompt) as events:
        out['messages'] = ''.join(events.text_stream)
        out['stop'] = events.get_final_message().stop_reason
    out['responses'] = ''.join(e.delta for e in chat.responses.create(model='gpt-test', input='hi', stream=True) if e.type == 'response.output_text.delta')
except openai.APIStatusError as e:
    out['error'] = [e.status_code, e.body.get('code'), e.body.get('message')]
print(json.dumps(out))
