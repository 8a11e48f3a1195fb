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

    /// The usage in a whole answer, if it reports one: its last `usage` member, read without
    /// parsing the rest of the answer (where every dialect puts it: at the end).
    func usage(in answer: [UInt8]) -> TokenUsage? {
        let member = JSONParser.lastMember("usage", in: answer)
        let usage: Usage? =
            switch self {
            case .chat: Usage(chat: member)
            case .anthropic: Usage(anthropic: member)
            case .responses: Usage(responses: member)
            }
        return usage.map { TokenUsage(input: $0.input, output: $0.output, estimated: false) }
    }

    /// A whole answer read as a neutral completion; nil when it is not an object, or (Responses,
    /// only ever passed through) when the gateway never needs to read it.
    func completion(in answer: JSON) -> Completion? {
        guard answer.object != nil else { return nil }
        switch self {
        case .chat: return Completion(chat: answer)
        case .anthropic: return Completion(anthropic: answer)
        case .responses: return nil
        }
    }
}
