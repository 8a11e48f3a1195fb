/// Renders a neutral `Completion` as an Anthropic Messages answer (`type: "message"`), for a
/// client of `POST /v1/messages` served by an OpenAI-chat bridge.
///
/// - Tool-call arguments become the `tool_use` block's `input` object. Arguments that are not a
///   JSON object (invalid JSON, or an array or scalar) are kept whole, as the text they were, in
///   `{"_unparsed_arguments": "<text>"}` (`unparsedArgumentsKey`); `MessagesRequestTranslator`
///   turns such an input back into the same text when the client sends the call back. Empty
///   arguments are an empty object.
/// - OpenAI chat does not say which stop sequence matched, so a stop is `end_turn` with a null
///   `stop_sequence`, unless the upstream named the sequence (`.stopSequence(s)`) and it is one of
///   the client's, then `stop_sequence` and `s`.
public struct AnthropicMessageRenderer: Sendable {
    /// The member of a `tool_use` input that carries arguments that were not a JSON object.
    public static let unparsedArgumentsKey = "_unparsed_arguments"

    /// The message id shown to the client (`msg_…`).
    public let id: String
    /// The model name shown to the client.
    public let model: String
    /// The client's `stop_sequences`.
    public let stopSequences: [String]

    /// A renderer for the message `id` of `model`, for a request with `stopSequences`.
    public init(id: String, model: String, stopSequences: [String] = []) {
        self.id = id
        self.model = model
        self.stopSequences = stopSequences
    }

    /// The `message` for `completion`; `estimate` is the usage when the upstream reported none.
    public func render(_ completion: Completion, estimate: Usage) -> JSON {
        var content: [JSON] = []
        if !completion.text.isEmpty { content.append(["type": "text", "text": .string(completion.text)]) }
        for call in completion.toolCalls {
            content.append([
                "type": "tool_use", "id": .string(call.id), "name": .string(call.name),
                "input": Self.input(arguments: call.arguments),
            ])
        }
        let stop = Self.stop(completion.stopReason, sequences: stopSequences)
        let usage = completion.usage ?? estimate
        return message(
            content: content, stopReason: .string(stop.reason), stopSequence: stop.sequence,
            usage: ["input_tokens": .int(usage.input), "output_tokens": .int(usage.output)])
    }

    /// A `message` object in the documented key order (also the one `message_start` carries).
    func message(content: [JSON], stopReason: JSON, stopSequence: JSON, usage: JSON) -> JSON {
        [
            "id": .string(id), "type": "message", "role": "assistant", "model": .string(model),
            "content": .array(content), "stop_reason": stopReason, "stop_sequence": stopSequence, "usage": usage,
        ]
    }

    /// Anthropic's `stop_reason` and `stop_sequence` for `reason`, given the client's `sequences`.
    static func stop(_ reason: StopReason, sequences: [String]) -> (reason: String, sequence: JSON) {
        guard case .stopSequence(let matched) = reason else { return (reason.anthropic, .null) }
        guard let matched, sequences.contains(matched) else { return (StopReason.endTurn.anthropic, .null) }
        return (reason.anthropic, .string(matched))
    }

    /// A `tool_use` input from arguments text: the object it holds, else the text kept whole.
    static func input(arguments: String) -> JSON {
        if arguments.allSatisfy(\.isWhitespace) { return [:] }
        if let value = try? JSONParser.parse(arguments), value.object != nil { return value }
        return [unparsedArgumentsKey: .string(arguments)]
    }
}
