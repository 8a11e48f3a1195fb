/// The API dialect a client speaks, which decides the shape of its error bodies and stream events.
enum Dialect: Sendable {
    /// OpenAI chat completions and the Responses API.
    case openAI
    /// Anthropic Messages.
    case anthropic
}

extension Dialect {
    /// The dialect of the surface at `path`: Anthropic under `/v1/messages`, else OpenAI.
    init(path: String) {
        self = path.hasPrefix("/v1/messages") ? .anthropic : .openAI
    }
}
