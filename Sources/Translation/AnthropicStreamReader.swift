/// Reads an Anthropic Messages stream into `StreamEvent`s:
/// - `message_start` → `.started` (its input tokens, cache reads and writes included, are kept
///   for the usage);
/// - `text` blocks and `text_delta`s → `.text`; `tool_use` blocks → `.toolCall` (calls numbered
///   0, 1, … in order) and their `input_json_delta`s → `.toolArguments` (an `input` already given
///   whole in `content_block_start` is passed on as arguments);
/// - `message_delta` → `.finished` and `.usage` (output tokens from it, input tokens from it when
///   it has them, else from `message_start`); `message_stop` → `isDone`;
/// - an `error` event, or an event whose data is not JSON, → `.failed`;
/// - `ping`, thinking blocks and unknown events or deltas are ignored.
public struct AnthropicStreamReader: StreamReader {
    /// Whether `message_stop` was read.
    public private(set) var isDone = false
    /// Whether a `message_delta` with a `stop_reason` was read.
    public private(set) var hasFinished = false
    /// The usage `message_start` reported.
    private var startUsage: JSON?
    /// Content block index → call index, for `tool_use` blocks.
    private var calls: [Int: Int] = [:]

    public init() {}

    /// The events in one SSE event of the stream.
    public mutating func read(_ event: SSEEvent) -> [StreamEvent] {
        guard let data = try? JSONParser.parse(event.data), data.object != nil else {
            return [.failed("malformed upstream event: \(event.data.prefix(200))")]
        }
        return read(data: data)
    }

    /// The events in one parsed event (its `type` says which).
    private mutating func read(data: JSON) -> [StreamEvent] {
        switch data["type"]?.string {
        case "message_start":
            let message = data["message"]
            startUsage = message?["usage"]
            return [.started(id: message?["id"]?.string, model: message?["model"]?.string)]
        case "content_block_start": return blockStart(data)
        case "content_block_delta": return blockDelta(data)
        case "message_delta": return messageDelta(data)
        case "message_stop":
            isDone = true
            return []
        case "error":
            let error = data["error"]
            return [.failed(error?["message"]?.string ?? error?["type"]?.string ?? data.text)]
        default: return []
        }
    }

    private mutating func blockStart(_ data: JSON) -> [StreamEvent] {
        let block = data["content_block"]
        switch block?["type"]?.string {
        case "text":
            let text = block?["text"]?.string ?? ""
            return text.isEmpty ? [] : [.text(text)]
        case "tool_use":
            let index = calls.count
            calls[data["index"]?.int ?? -1] = index
            var events: [StreamEvent] = [
                .toolCall(index: index, id: block?["id"]?.string ?? "toolu_\(index)", name: block?["name"]?.string ?? ""),
            ]
            if let input = block?["input"]?.object, !input.isEmpty {
                events.append(.toolArguments(index: index, JSON.object(input).text))
            }
            return events
        default: return []
        }
    }

    private func blockDelta(_ data: JSON) -> [StreamEvent] {
        let delta = data["delta"]
        switch delta?["type"]?.string {
        case "text_delta":
            let text = delta?["text"]?.string ?? ""
            return text.isEmpty ? [] : [.text(text)]
        case "input_json_delta":
            let json = delta?["partial_json"]?.string ?? ""
            guard let index = calls[data["index"]?.int ?? -1], !json.isEmpty else { return [] }
            return [.toolArguments(index: index, json)]
        default: return []
        }
    }

    private mutating func messageDelta(_ data: JSON) -> [StreamEvent] {
        var events: [StreamEvent] = []
        if !hasFinished, let reason = data["delta"]?["stop_reason"]?.string {
            hasFinished = true
            events.append(.finished(StopReason(anthropic: reason, sequence: data["delta"]?["stop_sequence"]?.string)))
        }
        if let output = Usage(anthropic: data["usage"]) {
            let hasInput = data["usage"]?["input_tokens"]?.int != nil
            let input = hasInput ? output.input : Usage(anthropic: startUsage)?.input ?? 0
            events.append(.usage(Usage(input: input, output: output.output)))
        }
        return events
    }
}
