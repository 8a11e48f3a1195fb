import Translation

/// The dialect of a bridge's answer: how to read its stream and its usage.
enum UpstreamDialect: Sendable, Equatable {
    case chat
    case anthropic
    case responses

    /// A reader of its streams into neutral events.
    var reader: any StreamReader {
        switch self {
        case .chat: ChatStreamReader()
        case .anthropic: AnthropicStreamReader()
        case .responses: ResponsesStreamReader()
        }
    }

    /// The usage in a whole answer, if it reports one.
    func usage(in answer: JSON) -> TokenUsage? {
        let usage: Usage? =
            switch self {
            case .chat: Usage(chat: answer["usage"])
            case .anthropic: Usage(anthropic: answer["usage"])
            case .responses: Usage(responses: answer["usage"])
            }
        return usage.map { TokenUsage(input: $0.input, output: $0.output, estimated: false) }
    }
}
