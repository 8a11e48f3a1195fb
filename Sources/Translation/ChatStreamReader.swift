/// Reads an OpenAI chat-completions stream (`chat.completion.chunk` events) into `StreamEvent`s,
/// tolerating what real upstreams do:
/// - a new tool-call `id` on an `index` already used (Ollama) is a new call;
/// - arguments in one piece, as a JSON object instead of text, or only in the last chunk;
/// - text and tool calls split across `choices`;
/// - `usage` before or after `finish_reason`, or on a chunk with choices;
/// - `finish_reason: "stop"` after tool calls (a tool-use stop);
/// - unknown fields and events ignored; an `error` object becomes `.failed`.
public struct ChatStreamReader: Sendable {
    /// Whether `[DONE]` was read.
    public private(set) var isDone = false
    /// Whether a `finish_reason` was read.
    public private(set) var hasFinished = false
    private var started = false
    /// Upstream index → our call index, for the call that index holds now.
    private var slots: [Int: Int] = [:]
    private var ids: [Int: String] = [:]
    /// Calls whose id came before their name: held until the name (or arguments) come.
    private var pendingNames: [Int: (id: String, arguments: String)] = [:]
    private var callCount = 0

    public init() {}

    /// The events in one SSE event of the stream.
    public mutating func read(_ event: SSEEvent) -> [StreamEvent] {
        if event.data.utf8.count <= 16 && event.data.filter({ !$0.isWhitespace }) == "[DONE]" {
            isDone = true
            return flushPending()
        }
        guard let chunk = try? JSONParser.parse(event.data), chunk.object != nil else { return [] }
        return read(chunk: chunk)
    }

    /// The events in one parsed chunk.
    public mutating func read(chunk: JSON) -> [StreamEvent] {
        var events: [StreamEvent] = []
        if let error = chunk["error"], !error.isNull {
            return [.failed(error["message"]?.string ?? error.string ?? error.text)]
        }
        if !started {
            started = true
            events.append(.started(id: chunk["id"]?.string, model: chunk["model"]?.string))
        }
        var finish: String?
        for choice in chunk["choices"]?.array ?? [] {
            let delta = choice["delta"] ?? choice["message"]
            let text = Completion.text(of: delta?["content"])
            if !text.isEmpty { events.append(.text(text)) }
            for (position, call) in (delta?["tool_calls"]?.array ?? []).enumerated() {
                events += readToolCall(call, position: position)
            }
            if let reason = choice["finish_reason"]?.string { finish = finish ?? reason }
        }
        if let finish, !hasFinished {
            events += flushPending()
            hasFinished = true
            var reason = StopReason(chat: finish)
            if callCount > 0 && reason == .endTurn { reason = .toolUse }
            events.append(.finished(reason))
        }
        if let usage = Usage(chat: chunk["usage"]) { events.append(.usage(usage)) }
        return events
    }

    private mutating func readToolCall(_ call: JSON, position: Int) -> [StreamEvent] {
        let upstreamIndex = call["index"]?.int ?? position
        let id = call["id"]?.string.flatMap { $0.isEmpty ? nil : $0 }
        let name = call["function"]?["name"]?.string.flatMap { $0.isEmpty ? nil : $0 }
        let arguments = Self.argumentsText(call["function"]?["arguments"]) ?? ""
        var events: [StreamEvent] = []
        var slot = slots[upstreamIndex]
        if slot == nil || (id != nil && ids[upstreamIndex] != id) {
            // A call begins: a new index, or a new id on a reused one.
            let index = callCount
            callCount += 1
            slots[upstreamIndex] = index
            ids[upstreamIndex] = id
            slot = index
            let callID = id ?? "call_\(index)"
            if let name {
                events.append(.toolCall(index: index, id: callID, name: name))
            } else {
                pendingNames[index] = (callID, "")
            }
        } else if let name, let pending = pendingNames.removeValue(forKey: slot!) {
            events.append(.toolCall(index: slot!, id: pending.id, name: name))
            if !pending.arguments.isEmpty { events.append(.toolArguments(index: slot!, pending.arguments)) }
        }
        guard let index = slot, !arguments.isEmpty else { return events }
        if pendingNames[index] != nil {
            pendingNames[index]!.arguments += arguments
        } else {
            events.append(.toolArguments(index: index, arguments))
        }
        return events
    }

    /// Calls that never got a name still begin (with an empty name) before the stream ends.
    private mutating func flushPending() -> [StreamEvent] {
        var events: [StreamEvent] = []
        for index in pendingNames.keys.sorted() {
            let pending = pendingNames[index]!
            events.append(.toolCall(index: index, id: pending.id, name: ""))
            if !pending.arguments.isEmpty { events.append(.toolArguments(index: index, pending.arguments)) }
        }
        pendingNames = [:]
        return events
    }

    /// Tool-call arguments as JSON text: text as it is, an object or array encoded.
    static func argumentsText(_ value: JSON?) -> String? {
        switch value {
        case .string(let text)?: text
        case .object?, .array?: value!.text
        default: nil
        }
    }
}
