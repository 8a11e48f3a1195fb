import json, os, time, openai
client = openai.OpenAI(default_headers={'X-Caller': os.environ['X_CALLER']} if os.environ['X_CALLER'] else {})
