import Testing

@testable import Gateway

@Suite("ClientApp")
struct ClientAppTests {
    @Test("User-Agents of the usual clients", arguments: [
        ("codex_cli_rs/0.58.0 (Debian 12; x86_64) xterm-256color", "codex"),
        ("claude-cli/2.0.14 (external, cli)", "claude-code"),
        ("OpenAI/Python 1.109.1", "openai-python"),
        ("AsyncOpenAI/Python 1.109.1", "openai-python"),
        ("Anthropic/Python 0.69.0", "anthropic-python"),
        ("curl/7.88.1", "curl"),
        // As the frameworks sent them to a listening server (openai-agents 0.24, pydantic-ai 2.68,
        // langchain-anthropic 1.7).
        ("Agents/Python 0.24.0", "openai-agents"),
        ("pydantic-ai/2.68.0", "pydantic-ai"),
        ("langchain-anthropic/1.7.10", "langchain-anthropic"),
        ("litellm/1.108.7", "litellm"),
        ("Mozilla/5.0", "unknown"),
        ("", "unknown"),
    ])
    func detect(agent: String, app: String) {
        #expect(ClientApp.detect(userAgent: agent) == app)
    }

    @Test("no User-Agent is unknown")
    func missing() {
        #expect(ClientApp.detect(userAgent: nil) == "unknown")
    }
}
