/// Which client application sent a request, from its User-Agent: what the dashboard's `clients`
/// lists. Agent frameworks and CLIs built on an SDK usually replace or extend the SDK's
/// User-Agent, so they come first; the SDKs themselves last. Pure.
enum ClientApp {
    /// Known agents, most specific first: (lowercased User-Agent contains, app name).
    private static let signatures: [(String, String)] = [
        // Coding agents and CLIs.
        ("codex", "codex"),
        ("claude-cli", "claude-code"),
        ("claude-code", "claude-code"),
        ("githubcopilotchat", "copilot-chat"),
        ("copilot", "copilot"),
        ("aider", "aider"),
        ("opencode", "opencode"),
        ("crush/", "crush"),
        ("goose", "goose"),
        ("roo-code", "roo-code"),
        ("roocode", "roo-code"),
        ("kilo-code", "kilo-code"),
        ("cline", "cline"),
        ("continue", "continue"),
        ("cursor", "cursor"),
        ("zed/", "zed"),
        ("gemini-cli", "gemini-cli"),
        // Agent frameworks (openai-agents sends `Agents/Python x.y`).
        ("agents/python", "openai-agents"),
        ("pydantic-ai", "pydantic-ai"),
        ("langchain-anthropic", "langchain-anthropic"),
        ("langchain-openai", "langchain-openai"),
        ("langchain", "langchain"),
        ("llamaindex", "llamaindex"),
        ("llama-index", "llamaindex"),
        ("crewai", "crewai"),
        ("autogen", "autogen"),
        ("semantic-kernel", "semantic-kernel"),
        ("instructor", "instructor"),
        ("ai-sdk", "vercel-ai-sdk"),
        ("litellm", "litellm"),
        // The SDKs.
        ("anthropic/python", "anthropic-python"),
        ("anthropic/js", "anthropic-js"),
        ("openai/python", "openai-python"),
        ("asyncopenai/python", "openai-python"),
        ("openai/js", "openai-js"),
        ("openai/go", "openai-go"),
        ("openai/java", "openai-java"),
        // Plain HTTP clients.
        ("curl/", "curl"),
        ("python-requests", "python-requests"),
        ("python-httpx", "python-httpx"),
        ("aiohttp", "python-aiohttp"),
        ("go-http-client", "go-http-client"),
        ("node-fetch", "node-fetch"),
        ("okhttp", "okhttp"),
        ("wget", "wget"),
    ]

    /// The app named by `userAgent`, or `unknown`.
    static func detect(userAgent: String?) -> String {
        guard let agent = userAgent?.lowercased(), !agent.isEmpty else { return "unknown" }
        return signatures.first { agent.contains($0.0) }?.1 ?? "unknown"
    }
}
