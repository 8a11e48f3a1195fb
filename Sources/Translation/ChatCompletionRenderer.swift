/// Renders a neutral `Completion` as an OpenAI `chat.completion` (a non-streamed answer), for a
/// chat client served by a bridge of another dialect: one choice whose message holds the text
/// (`null` when the answer is only tool calls) and the tool calls, its `finish_reason`, and the
/// usage (the upstream's, else the estimate given).
public struct ChatCompletionRenderer: Sendable {
    /// The answer's id (`chatcmpl-…`).
    public let id: String
    /// When the answer was created, in Unix seconds.
    public let created: Int
    /// The model name the client is shown.
    public let model: String

    public init(id: String, created: Int, model: String) {
        self.id = id
        self.created = created
        self.model = model
    }

    /// The `chat.completion` for `completion`, with `estimate` as its usage when it has none.
    public func render(_ completion: Completion, estimate: Usage) -> JSON {
        var message = completion.chatMessage
        message["refusal"] = .null
        let choice: JSON = ["index": 0, "message": message, "logprobs": nil, "finish_reason": .string(completion.stopReason.chat)]
        return [
            "id": .string(id), "object": "chat.completion", "created": .int(created), "model": .string(model), "choices": [choice],
            "usage": (completion.usage ?? estimate).chatJSON,
        ]
    }
}
