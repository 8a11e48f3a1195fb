/// An API surface a client calls: where it is, what its requests must hold, and its dialect.
enum Surface: String, Sendable {
    case chatCompletions = "chat.completions"
    case messages
    case countTokens = "messages.count_tokens"
    case responses

    /// The dialect of its answers and errors.
    var dialect: Dialect {
        switch self {
        case .chatCompletions, .responses: .openAI
        case .messages, .countTokens: .anthropic
        }
    }

    /// The member holding the conversation, which every request must carry.
    var conversationKey: String {
        switch self {
        case .chatCompletions, .messages, .countTokens: "messages"
        case .responses: "input"
        }
    }
}
