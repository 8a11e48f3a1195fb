# Agent frameworks as their users run them against the gateway, then the dashboard's clients view:
# which client app each was seen as, and the unknown User-Agents sampled.
import json, os, time, httpx
port = os.environ['GATEWAY_PORT']
base = f'http://127.0.0.1:{port}'
out = {}

from agents import Agent, Runner, OpenAIChatCompletionsModel, set_tracing_disabled
from openai import AsyncOpenAI
set_tracing_disabled(True)
agent = Agent(name='a', instructions='be brief', model=OpenAIChatCompletionsModel(model='gpt-test', openai_client=AsyncOpenAI(base_url=base + '/v1', api_key='k')))
out['openai-agents'] = Runner.run_sync(agent, 'one two').final_output

from pydantic_ai import Agent as PydanticAgent
from pydantic_ai.models.openai import OpenAIChatModel
from pydantic_ai.providers.openai import OpenAIProvider
from pydantic_ai.models.anthropic import AnthropicModel
from pydantic_ai.providers.anthropic import AnthropicProvider
out['pydantic-ai/openai'] = PydanticAgent(OpenAIChatModel('gpt-test', provider=OpenAIProvider(base_url=base + '/v1', api_key='k'))).run_sync('one two').output
out['pydantic-ai/anthropic'] = PydanticAgent(AnthropicModel('gpt-test', provider=AnthropicProvider(base_url=base, api_key='k'))).run_sync('one two').output

from langchain_anthropic import ChatAnthropic
out['langchain-anthropic'] = ChatAnthropic(model='gpt-test', base_url=base, api_key='k', max_tokens=50).invoke('one two').content

body = {'model': 'gpt-test', 'messages': [{'role': 'user', 'content': 'one two'}]}
for agent in ['MysteryAgent/1.0 (linux)', 'sk-live-0123456789abcdefghijklmnopqrstuvwxyz']:
    httpx.post(base + '/v1/chat/completions', json=body, headers={'User-Agent': agent}).raise_for_status()
# The ledger writes its rows in batches: wait (up to 20 s) until every request made has its row.
for _ in range(200):
    seen = httpx.get(base + '/api/dashboard/clients', headers={'Authorization': 'Bearer ' + os.environ['DASHBOARD_TOKEN']}).json()
    if sum(c['requests'] for c in seen['clients']) >= 6:
        break
    time.sleep(0.1)
out['clients'] = sorted(c['client_app'] for c in seen['clients'])
out['unknown_user_agents'] = [u['user_agent'] for u in seen['unknown_user_agents']]
print(json.dumps(out))
