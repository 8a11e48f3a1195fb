import json, os, anthropic
client = anthropic.Anthropic(base_url='http://127.0.0.1:' + os.environ['GATEWAY_PORT'], api_key=os.environ['GATEWAY_KEY'], default_headers={'X-Caller': 'alice'})
out = {}
