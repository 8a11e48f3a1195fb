/// Writes a streamed answer as OpenAI Responses API server-sent events (`event:` = the `type`,
/// every event numbered by `sequence_number` from 0), from the upstream reader's `StreamEvent`s.
///
/// The official order: `response.created` and `response.in_progress`; per output item
/// `response.output_item.added`, then for the message `response.content_part.added` and
/// `response.output_text.delta`s, for a call `response.function_call_arguments.delta`s; then,
/// once the model has finished and the usage has arrived (or the upstream has ended cleanly), per
/// item in output order `response.output_text.done` and `response.content_part.done` or
/// `response.function_call_arguments.done`, then `response.output_item.done`; last
/// `response.completed` (`response.incomplete` when the model stopped at the token limit or by
/// the content filter). Its response object is `ResponsesRenderer`'s, as for a non-streamed
/// answer, and the `.done` events carry that object's items.
///
/// Items may be open at the same time, as in the official API: an item opens at its first text
/// or when its call begins, taking the next `output_index`, and all close together at the end. So
/// the interleaved argument fragments of parallel calls each go to their own item (`item_id`,
/// `output_index`), each call's `.done` events carry its complete arguments, and text an upstream
/// sends after its finish still counts.
///
/// A failure — an upstream error, or an upstream that ends without its proper end or without a
/// finish — ends the stream with `response.failed` (`status: "failed"`, `error.code:
/// "server_error"`), never with `response.completed`. A response that completes is remembered in
/// the history for `previous_response_id`. Responses streams have no keep-alive event.
public struct ResponsesStreamWriter: StreamWriter {
    private let renderer: ResponsesRenderer
    private let history: ResponseHistory.Scope
    private var sequenceNumber = 0
    private var started = false
    /// Whether the last event (completed, incomplete or failed) was written.
    public private(set) var isEnded = false
    /// The answer so far; its stop reason counts once `finished`.
    private var answer = Completion()
    private var finished = false
    /// The message item's output index, once it is open.
    private var messageIndex: Int?
    /// Per call (in `answer.toolCalls` order): the upstream's call index and its output index.
    private var calls: [(index: Int, outputIndex: Int)] = []
    private var itemCount = 0

    /// A writer for the response `renderer` renders, remembering it in `history` when it completes.
    public init(renderer: ResponsesRenderer, history: ResponseHistory.Scope) {
        self.renderer = renderer
        self.history = history
    }

    /// `response.created` and `response.in_progress`, unless already written.
    private mutating func start() -> [SSEEvent] {
        guard !started else { return [] }
        started = true
        let response = renderer.inProgressResponse
        return [event("response.created", ["response": response]), event("response.in_progress", ["response": response])]
    }

    /// The events for one upstream event (`response.created` and `response.in_progress` first).
    /// The usage after the finish completes the response; a second finish is dropped.
    public mutating func write(_ event: StreamEvent) -> [SSEEvent] {
        var events = start()
        guard !isEnded else { return events }
        switch event {
        case .started: break
        case .text(let text) where !text.isEmpty: events += writeText(text)
        case .toolCall(let index, let id, let name): events += beginCall(index: index, id: id, name: name)
        case .toolArguments(let index, let arguments) where !arguments.isEmpty: events += writeArguments(arguments, index: index)
        case .finished(let reason) where !finished:
            finished = true
            answer.stopReason = reason
        case .usage(let usage):
            answer.usage = usage
            if finished { events += complete() }
        case .failed(let message): events += fail(message)
        case .text, .toolArguments, .finished: break
        }
        return events
    }

    /// `response.failed` saying `message`; nothing when the stream has already ended.
    private mutating func fail(_ message: String) -> [SSEEvent] {
        var events = start()
        guard !isEnded else { return events }
        isEnded = true
        let response = renderer.response(for: answer, messagePosition: messageIndex ?? 0, failure: message)
        events.append(event("response.failed", ["response": response]))
        return events
    }

    /// The last events once the upstream has ended: after a clean end (`failure` nil) and a
    /// finish, `response.completed` (or `response.incomplete`) unless already written; otherwise
    /// `response.failed` saying `failure` (or that the answer was cut off).
    public mutating func end(failure: String?) -> [SSEEvent] {
        guard failure == nil && finished else {
            return fail(failure ?? "the upstream stream ended before the answer was complete")
        }
        return isEnded ? [] : complete()
    }

    /// None: the Responses API streams have no keep-alive event.
    public var keepAlive: SSEEvent? { nil }

    // MARK: - Items

    private mutating func writeText(_ text: String) -> [SSEEvent] {
        var events: [SSEEvent] = []
        let outputIndex: Int
        if let messageIndex {
            outputIndex = messageIndex
        } else {
            outputIndex = itemCount
            itemCount += 1
            messageIndex = outputIndex
            events.append(event("response.output_item.added", [
                "output_index": .int(outputIndex), "item": renderer.messageItem(text: "", status: "in_progress"),
            ]))
            events.append(event("response.content_part.added", [
                "item_id": .string(renderer.messageID), "output_index": .int(outputIndex), "content_index": 0,
                "part": renderer.outputText(""),
            ]))
        }
        answer.text += text
        events.append(event("response.output_text.delta", [
            "item_id": .string(renderer.messageID), "output_index": .int(outputIndex), "content_index": 0,
            "delta": .string(text), "logprobs": [],
        ]))
        return events
    }

    private mutating func beginCall(index: Int, id: String, name: String) -> [SSEEvent] {
        guard !calls.contains(where: { $0.index == index }) else { return [] }
        let call = Completion.ToolCall(id: id, name: name, arguments: "")
        calls.append((index, itemCount))
        answer.toolCalls.append(call)
        itemCount += 1
        return [event("response.output_item.added", [
            "output_index": .int(itemCount - 1),
            "item": renderer.functionCallItem(index: calls.count - 1, call: call, status: "in_progress"),
        ])]
    }

    private mutating func writeArguments(_ arguments: String, index: Int) -> [SSEEvent] {
        // A reader always begins a call before its arguments; should one not, the call begins here.
        var events = beginCall(index: index, id: "call_\(index)", name: "")
        let position = calls.firstIndex { $0.index == index }!
        answer.toolCalls[position].arguments += arguments
        events.append(event("response.function_call_arguments.delta", [
            "item_id": .string(renderer.functionCallID(index: position)), "output_index": .int(calls[position].outputIndex),
            "delta": .string(arguments),
        ]))
        return events
    }

    /// Every item closed, in output order, then `response.completed` (or `response.incomplete`);
    /// the response is remembered.
    private mutating func complete() -> [SSEEvent] {
        isEnded = true
        let response = renderer.response(for: answer, messagePosition: messageIndex ?? 0, failure: nil)
        var events: [SSEEvent] = []
        for (outputIndex, item) in (response["output"]?.array ?? []).enumerated() {
            let itemID = item["id"] ?? .null
            if outputIndex == messageIndex {
                let fields: KeyValuePairs<String, JSON> = ["item_id": itemID, "output_index": .int(outputIndex), "content_index": 0]
                events.append(event("response.output_text.done", fields, ["text": .string(answer.text), "logprobs": []]))
                events.append(event("response.content_part.done", fields, ["part": renderer.outputText(answer.text)]))
            } else {
                events.append(event("response.function_call_arguments.done", [
                    "item_id": itemID, "output_index": .int(outputIndex), "arguments": item["arguments"] ?? "",
                ]))
            }
            events.append(event("response.output_item.done", ["output_index": .int(outputIndex), "item": item]))
        }
        let type = response["status"]?.string == "incomplete" ? "response.incomplete" : "response.completed"
        events.append(event(type, ["response": response]))
        renderer.remember(answer, in: history)
        return events
    }

    /// An event of `type` with `fields` (then `more`), numbered.
    private mutating func event(_ type: String, _ fields: KeyValuePairs<String, JSON>, _ more: KeyValuePairs<String, JSON> = [:]) -> SSEEvent {
        var data: JSON = ["type": .string(type)]
        for (key, value) in fields { data[key] = value }
        for (key, value) in more { data[key] = value }
        data["sequence_number"] = .int(sequenceNumber)
        sequenceNumber += 1
        return SSEEvent(name: type, json: data)
    }
}
