/// Which client application sent a request, from its User-Agent: what the dashboard's `clients`
/// lists. Pure.
enum ClientApp {
    /// Known agents, most specific first: (lowercased User-Agent contains, app name).
    private static let signatures: [(String, String)] = [
        ("codex", "codex"),
        ("claude-cli", "claude-code"),
        ("claude-code", "claude-code"),
        ("anthropic/python", "anthropic-python"),
        ("anthropic/js", "anthropic-js"),
        ("openai/python", "openai-python"),
        ("asyncopenai/python", "openai-python"),
        ("openai/js", "openai-js"),
        ("litellm", "litellm"),
        ("curl/", "curl"),
        ("python-requests", "python-requests"),
        ("python-httpx", "python-httpx"),
        ("wget", "wget"),
    ]

    /// The app named by `userAgent`, or `unknown`.
    static func detect(userAgent: String?) -> String {
        guard let agent = userAgent?.lowercased(), !agent.isEmpty else { return "unknown" }
        return signatures.first { agent.contains($0.0) }?.1 ?? "unknown"
    }
}
