import json, os, sys, time
import openai
client = openai.OpenAI(max_retries=0, timeout=20)
def out(value):
    print(json.dumps(value))
