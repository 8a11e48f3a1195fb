/// The API dialect a client speaks, which decides the shape of its error bodies and stream events.
enum Dialect: Sendable {
    /// OpenAI chat completions and the Responses API.
    case openAI
    /// Anthropic Messages.
    case anthropic
}
