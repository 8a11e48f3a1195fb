/// Renders an answer as an OpenAI Responses API `response` object, for a non-streamed answer and
/// for the events of a streamed one (`ResponsesStreamWriter` uses the same rendering, so both agree).
///
/// The output holds a `message` item with the text (when there is any), then one `function_call`
/// item per tool call. A stop at the token limit or by the content filter is `status:
/// "incomplete"` with `incomplete_details.reason` (`max_output_tokens` / `content_filter`). The
/// client's settings are echoed as the official API does. When the upstream gave no usage, the
/// counts are `TokenEstimate` estimates.
public struct ResponsesRenderer: Sendable {
    /// The request this answers.
    public let translation: ResponsesTranslation
    /// The response id, `resp_<id>`.
    public let responseID: String
    /// The message item's id, `msg_<id>`.
    let messageID: String
    private let callIDPrefix: String
    private let createdAt: Int
    private let model: String

    /// A renderer for the answer to `translation`. `id` is a unique token for this response (e.g.
    /// random hex): the response is `resp_<id>`, its message `msg_<id>`, its calls `fc_<id>_<n>`.
    /// `createdAt` is the Unix time in seconds; `model` the model name to show the client.
    public init(translation: ResponsesTranslation, id: String, createdAt: Int, model: String) {
        self.translation = translation
        self.responseID = "resp_\(id)"
        self.messageID = "msg_\(id)"
        self.callIDPrefix = "fc_\(id)_"
        self.createdAt = createdAt
        self.model = model
    }

    /// The `response` object for a whole answer.
    public func response(for completion: Completion) -> JSON {
        response(for: completion, messagePosition: 0, failure: nil)
    }

    /// Remembers the conversation, with `completion` as the assistant's answer, under this
    /// response's id for a later `previous_response_id` (unless the client sent `store: false`).
    public func remember(_ completion: Completion, in history: ResponseHistory.Scope) {
        guard translation.isStored else { return }
        history.record(translation.conversation + [completion.chatMessage], for: responseID)
    }

    // MARK: - Parts shared with the stream writer

    /// The response for `completion`: completed or incomplete by its stop reason, or failed with
    /// `failure`. The message item comes after the first `messagePosition` calls (a stream may
    /// begin a call before any text).
    func response(for completion: Completion, messagePosition: Int, failure: String?) -> JSON {
        let incomplete = failure == nil ? incompleteReason(completion.stopReason) : nil
        let status = failure != nil ? "failed" : incomplete != nil ? "incomplete" : "completed"
        let itemStatus = status == "completed" ? "completed" : "incomplete"
        var output = completion.toolCalls.enumerated().map { functionCallItem(index: $0.offset, call: $0.element, status: itemStatus) }
        if !completion.text.isEmpty {
            output.insert(messageItem(text: completion.text, status: itemStatus), at: min(messagePosition, output.count))
        }
        return envelope(
            status: status,
            error: failure.map { ["code": "server_error", "message": .string($0)] } ?? .null,
            incompleteDetails: incomplete.map { ["reason": .string($0)] } ?? .null,
            output: output, usage: usage(for: completion))
    }

    /// The response as it begins: in progress, no output, no usage yet.
    var inProgressResponse: JSON {
        envelope(status: "in_progress", error: .null, incompleteDetails: .null, output: [], usage: .null)
    }

    /// A `message` item holding `text` (empty content while it is in progress, as streamed).
    func messageItem(text: String, status: String) -> JSON {
        [
            "id": .string(messageID), "type": "message", "status": .string(status), "role": "assistant",
            "content": status == "in_progress" ? [] : [outputText(text)],
        ]
    }

    /// An `output_text` content part.
    func outputText(_ text: String) -> JSON {
        ["type": "output_text", "text": .string(text), "annotations": []]
    }

    /// The `function_call` item of tool call number `index`.
    func functionCallItem(index: Int, call: Completion.ToolCall, status: String) -> JSON {
        [
            "id": .string(functionCallID(index: index)), "type": "function_call", "status": .string(status),
            "call_id": .string(call.id), "name": .string(call.name), "arguments": .string(call.arguments),
        ]
    }

    /// The item id of tool call number `index`.
    func functionCallID(index: Int) -> String { "\(callIDPrefix)\(index)" }

    // MARK: - Rendering

    private func incompleteReason(_ reason: StopReason) -> String? {
        switch reason {
        case .maxTokens: "max_output_tokens"
        case .contentFilter: "content_filter"
        case .endTurn, .toolUse, .stopSequence: nil
        }
    }

    private func usage(for completion: Completion) -> JSON {
        let usage = completion.usage ?? Usage(
            input: TokenEstimate.tokens(request: translation.chatRequest),
            output: TokenEstimate.tokens(characters: completion.toolCalls.reduce(completion.text.count) {
                $0 + $1.name.count + $1.arguments.count
            }))
        return [
            "input_tokens": .int(usage.input), "input_tokens_details": ["cached_tokens": 0],
            "output_tokens": .int(usage.output), "output_tokens_details": ["reasoning_tokens": 0],
            "total_tokens": .int(usage.input + usage.output),
        ]
    }

    /// The response object, its members in the official order, the request's settings echoed.
    private func envelope(status: String, error: JSON, incompleteDetails: JSON, output: [JSON], usage: JSON) -> JSON {
        let request = translation.request
        let reasoning = request["reasoning"]
        return [
            "id": .string(responseID), "object": "response", "created_at": .int(createdAt), "status": .string(status),
            "error": error, "incomplete_details": incompleteDetails,
            "instructions": request["instructions"] ?? .null, "max_output_tokens": request["max_output_tokens"] ?? .null,
            "model": .string(model), "output": .array(output),
            "parallel_tool_calls": request["parallel_tool_calls"] ?? true,
            "previous_response_id": request["previous_response_id"] ?? .null,
            "reasoning": ["effort": reasoning?["effort"] ?? .null, "summary": reasoning?["summary"] ?? .null],
            "store": .bool(translation.isStored), "temperature": request["temperature"] ?? 1,
            "text": request["text"] ?? ["format": ["type": "text"]],
            "tool_choice": request["tool_choice"] ?? "auto", "tools": request["tools"] ?? [],
            "top_p": request["top_p"] ?? 1, "truncation": request["truncation"] ?? "disabled",
            "usage": usage, "user": request["user"] ?? .null, "metadata": request["metadata"] ?? [:],
        ]
    }
}
