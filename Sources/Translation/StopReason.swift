/// Why a model stopped, in neutral terms; each dialect names these its own way.
public enum StopReason: Sendable, Equatable {
    case endTurn
    case maxTokens
    case toolUse
    case stopSequence(String?)
    case contentFilter

    /// From OpenAI chat's `finish_reason`; unknown reasons are an end of turn.
    public init(chat reason: String) {
        switch reason {
        case "length": self = .maxTokens
        case "tool_calls", "function_call": self = .toolUse
        case "content_filter": self = .contentFilter
        default: self = .endTurn
        }
    }

    /// From Anthropic's `stop_reason` (and `stop_sequence`).
    public init(anthropic reason: String, sequence: String? = nil) {
        switch reason {
        case "max_tokens": self = .maxTokens
        case "tool_use": self = .toolUse
        case "stop_sequence": self = .stopSequence(sequence)
        case "refusal": self = .contentFilter
        default: self = .endTurn
        }
    }

    /// OpenAI chat's `finish_reason`.
    public var chat: String {
        switch self {
        case .endTurn, .stopSequence: "stop"
        case .maxTokens: "length"
        case .toolUse: "tool_calls"
        case .contentFilter: "content_filter"
        }
    }

    /// Anthropic's `stop_reason`.
    public var anthropic: String {
        switch self {
        case .endTurn: "end_turn"
        case .maxTokens: "max_tokens"
        case .toolUse: "tool_use"
        case .stopSequence: "stop_sequence"
        case .contentFilter: "refusal"
        }
    }
}
