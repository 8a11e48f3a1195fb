/// Writes `StreamEvent`s as an OpenAI chat-completions stream of `chat.completion.chunk` data
/// events (no event names), each under the injected `id`, `created` and `model`:
/// a first chunk with `delta: {role: "assistant", content: ""}`; a chunk per text piece, per tool
/// call start (`id`, `type`, `function.name`, empty `arguments`) and per arguments piece; a chunk
/// with the `finish_reason` and an empty delta; when the client asked for
/// `stream_options.include_usage`, the usage chunk (`choices: []`; every other chunk then has
/// `usage: null`, as OpenAI does); then `data: [DONE]`.
///
/// An upstream `.failed` (code `upstream_error`), or an upstream that ends without its proper end
/// or without a finish (code `upstream_disconnected`), ends the stream with an error data event
/// (`{"error": {message, type: "api_error", param, code}}`) and no `[DONE]`, so clients see a
/// failure, never a clean end. Chat streams have no keep-alive event.
public struct ChatStreamWriter: StreamWriter {
    private let id: String
    private let created: Int
    private let model: String
    private let includeUsage: Bool
    private var opened = false
    private var hasFinished = false
    private var usage: Usage?
    /// Whether the stream is over (`[DONE]` or an error written): later events write nothing.
    public private(set) var isEnded = false

    /// A writer for the chunks of answer `id` (`chatcmpl-…`), created at `created` (Unix seconds),
    /// showing `model`; `includeUsage` is the request's `stream_options.include_usage`.
    public init(id: String, created: Int, model: String, includeUsage: Bool) {
        self.id = id
        self.created = created
        self.model = model
        self.includeUsage = includeUsage
    }

    /// The chunks for one event. Usage is held for the end; a second finish is dropped.
    public mutating func write(_ event: StreamEvent) -> [SSEEvent] {
        guard !isEnded else { return [] }
        switch event {
        case .started: return open()
        case .text(let text): return open() + [chunk(delta: ["content": .string(text)])]
        case .toolCall(let index, let callID, let name):
            let call: JSON = [
                "index": .int(index), "id": .string(callID), "type": "function",
                "function": ["name": .string(name), "arguments": ""],
            ]
            return open() + [chunk(delta: ["tool_calls": [call]])]
        case .toolArguments(let index, let arguments):
            let call: JSON = ["index": .int(index), "function": ["arguments": .string(arguments)]]
            return open() + [chunk(delta: ["tool_calls": [call]])]
        case .finished(let reason):
            guard !hasFinished else { return [] }
            hasFinished = true
            return open() + [chunk(delta: [:], finishReason: reason.chat)]
        case .usage(let usage):
            self.usage = usage
            return []
        case .failed(let message):
            isEnded = true
            return [Self.error(message, code: "upstream_error")]
        }
    }

    /// The end of the stream, once the upstream has ended: after a clean end (`failure` nil) and a
    /// finish, the usage chunk (when asked for and known) and `[DONE]`; otherwise the error event.
    public mutating func end(failure: String?) -> [SSEEvent] {
        guard !isEnded else { return [] }
        isEnded = true
        guard failure == nil && hasFinished else {
            let message = failure ?? "the upstream stream ended before the answer was complete"
            return [Self.error(message, code: "upstream_disconnected")]
        }
        var events: [SSEEvent] = []
        if includeUsage, let usage { events.append(chunk(choices: [], usage: usage.chatJSON)) }
        events.append(SSEEvent(data: "[DONE]"))
        return events
    }

    /// None: OpenAI chat streams have no keep-alive event.
    public var keepAlive: SSEEvent? { nil }

    /// The first chunk (the assistant role), once.
    private mutating func open() -> [SSEEvent] {
        guard !opened else { return [] }
        opened = true
        return [chunk(delta: ["role": "assistant", "content": ""])]
    }

    private func chunk(delta: JSON, finishReason: String? = nil) -> SSEEvent {
        let choice: JSON = [
            "index": 0, "delta": delta, "logprobs": nil, "finish_reason": finishReason.map(JSON.string) ?? .null,
        ]
        return chunk(choices: [choice], usage: .null)
    }

    private func chunk(choices: JSON, usage: JSON) -> SSEEvent {
        var chunk: JSON = [
            "id": .string(id), "object": "chat.completion.chunk", "created": .int(created), "model": .string(model),
            "choices": choices,
        ]
        if includeUsage { chunk["usage"] = usage }
        return SSEEvent(json: chunk)
    }

    /// An OpenAI error object as a data event.
    private static func error(_ message: String, code: String) -> SSEEvent {
        SSEEvent(json: ["error": ["message": .string(message), "type": "api_error", "param": nil, "code": .string(code)]])
    }
}
