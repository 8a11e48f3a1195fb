/// What a bridge's error words mean, where its status alone does not say: a failed sign-in or a
/// wrong key, or a rate or quota limit. Bridges put this in a message, a `type` or a `code`
/// (OpenAI's `insufficient_quota` and "Rate limit reached", Anthropic's `rate_limit_error` and
/// `authentication_error`, Codex's `usage_limit_reached`, LiteLLM's "Authentication Error, No api
/// key passed in", Copilot's "quota exceeded"). These words are untrusted: they only ever pick
/// which failure a failure is.
public enum BridgeWords {
    /// Whether `text` (any case) speaks of a failed sign-in or a wrong key.
    public static func sayAuthFailed(_ text: String) -> Bool {
        let text = text.lowercased()
        return authMarkers.contains(where: text.contains)
    }

    /// Whether `text` (any case) speaks of a rate or quota limit.
    public static func sayLimited(_ text: String) -> Bool {
        let text = text.lowercased()
        return limitMarkers.contains(where: text.contains)
    }

    static let authMarkers = [
        "auth_required", "authenticat", "unauthori", "not logged in", "log in", "login", "sign in", "signed in", "api key", "api_key",
        "credential",
    ]

    static let limitMarkers = ["rate limit", "rate_limit", "ratelimit", "quota", "usage limit", "usage_limit", "too many requests"]
}
