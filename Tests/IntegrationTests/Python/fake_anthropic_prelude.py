import json, os, sys, time
import anthropic
client = anthropic.Anthropic(max_retries=0, timeout=20)
def out(value):
    print(json.dumps(value))
