/// Writes neutral `StreamEvent`s (e.g. from `ChatStreamReader`) as an Anthropic Messages stream:
/// `message_start`, then per content block `content_block_start`, `content_block_delta`s and
/// `content_block_stop` (indices 0, 1, … in order), then `message_delta` and `message_stop`.
///
/// - `message_start` carries the local input-token pre-count given at init (the upstream has
///   reported nothing yet) and `output_tokens: 1`, as Anthropic's does.
/// - After `.finished`, `message_delta` waits for `.usage` (or the end of the upstream), so its
///   usage is the upstream's: cumulative `output_tokens`, plus `input_tokens` when reported; with
///   no usage at all, `output_tokens` is an estimate from the characters generated.
/// - One block streams live at a time. While a tool call's block is open, text and other calls'
///   arguments are held; the open block closes, and the held ones open in order, as soon as the
///   open call's arguments form a complete JSON object (at the latest at `.finished`). So
///   parallel calls whose fragments interleave come out as sequential blocks, each with its
///   arguments whole, and calls sent one after another still stream live.
/// - `stop_reason`/`stop_sequence` as `AnthropicMessageRenderer` reports them (`end_turn` unless the
///   upstream named a stop sequence of the client's).
/// - A stream that fails (`.failed`, `fail(_:)`), or ends broken off or without a finish
///   (`end(failure:)`), ends with an `error` event (`api_error`), never with `message_stop`.
///   After the last event, nothing more.
public struct AnthropicStreamWriter: StreamWriter {
    /// A content block, by what it holds.
    private enum Block: Sendable, Equatable {
        case text
        case toolUse(call: Int, id: String, name: String)
    }

    private let renderer: AnthropicMessageRenderer
    private let inputTokens: Int
    private var started = false
    private var stopReason: StopReason?
    /// Whether the last event (`message_stop` or `error`) was written.
    private(set) var isEnded = false
    /// The usage the upstream reported, if it did.
    private var usage: Usage?
    /// Characters of text and tool-call arguments generated, for an estimate without usage.
    private var outputCharacters = 0

    /// The index of the next block to open.
    private var nextIndex = 0
    private var open: Block?
    /// The open tool call's arguments so far, and whether they were a complete JSON object when
    /// last checked (at `checkedLength` UTF-8 bytes).
    private var openArguments = ""
    private var checkedLength = -1
    private var openArgumentsComplete = false
    /// Blocks waiting for the open one to close, with their content so far.
    private var held: [(block: Block, content: String)] = []
    /// Tool calls seen (open, held or written).
    private var calls: Set<Int> = []

    /// A writer for the message `id` shown as `model`, whose request was pre-counted at
    /// `inputTokens`, with the client's `stopSequences`.
    public init(id: String, model: String, inputTokens: Int, stopSequences: [String] = []) {
        renderer = AnthropicMessageRenderer(id: id, model: model, stopSequences: stopSequences)
        self.inputTokens = inputTokens
    }

    /// The events for the client after `event`.
    public mutating func write(_ event: StreamEvent) -> [SSEEvent] {
        guard !isEnded else { return [] }
        if case .failed(let message) = event { return fail(message) }
        var events = begin()
        switch event {
        case .started, .failed: break
        case .text(let text):
            guard !text.isEmpty else { break }
            outputCharacters += text.count
            events += add(text)
        case .toolCall(let call, let id, let name):
            events += announce(call: call, id: id, name: name)
        case .toolArguments(let call, let arguments):
            guard !arguments.isEmpty else { break }
            outputCharacters += arguments.count
            // Arguments of a call never announced still get a block (readers announce first).
            if !calls.contains(call) { events += announce(call: call, id: "call_\(call)", name: "") }
            events += add(arguments, call: call)
        case .finished(let reason):
            guard stopReason == nil else { break }
            stopReason = reason
            events += closeAll()
            if usage != nil { events += stop() }
        case .usage(let reported):
            usage = reported
            if stopReason != nil { events += stop() }
        }
        return events
    }

    /// The upstream ended: after a clean end (`failure` nil) and a finish, the held
    /// `message_delta` and `message_stop`; otherwise an `error` event saying why.
    public mutating func end(failure: String?) -> [SSEEvent] {
        if let failure { return fail(failure) }
        guard stopReason != nil else { return fail("the upstream stream ended before the answer finished") }
        return isEnded ? [] : stop()
    }

    /// Ends the stream with an `error` event (`api_error`) saying `message`.
    public mutating func fail(_ message: String) -> [SSEEvent] {
        guard !isEnded else { return [] }
        isEnded = true
        return [Self.event(["type": "error", "error": ["type": "api_error", "message": .string(message)]])]
    }

    /// Anthropic's `ping` event, to send during long upstream silence.
    public var keepAlive: SSEEvent? {
        Self.event(["type": "ping"])
    }

    // MARK: Message

    private mutating func begin() -> [SSEEvent] {
        guard !started else { return [] }
        started = true
        let usage: JSON = ["input_tokens": .int(inputTokens), "output_tokens": 1]
        let message = renderer.message(content: [], stopReason: .null, stopSequence: .null, usage: usage)
        return [Self.event(["type": "message_start", "message": message])]
    }

    private mutating func stop() -> [SSEEvent] {
        var events = closeAll()
        let stop = AnthropicMessageRenderer.stop(stopReason ?? .endTurn, sequences: renderer.stopSequences)
        var counts: JSON = [:]
        if let usage {
            counts["input_tokens"] = .int(usage.input)
            counts["output_tokens"] = .int(usage.output)
        } else {
            counts["output_tokens"] = .int(TokenEstimate.tokens(characters: outputCharacters))
        }
        events.append(Self.event([
            "type": "message_delta", "delta": ["stop_reason": .string(stop.reason), "stop_sequence": stop.sequence],
            "usage": counts,
        ]))
        events.append(Self.event(["type": "message_stop"]))
        isEnded = true
        return events
    }

    // MARK: Blocks

    private mutating func add(_ text: String) -> [SSEEvent] {
        switch open {
        case .text?: return [delta(text)]
        case nil: return openBlock(.text, content: text)
        case .toolUse?:
            if let last = held.indices.last, held[last].block == .text {
                held[last].content += text
            } else {
                held.append((.text, text))
            }
            return advance()
        }
    }

    private mutating func announce(call: Int, id: String, name: String) -> [SSEEvent] {
        guard calls.insert(call).inserted else { return [] }
        let block = Block.toolUse(call: call, id: id, name: name)
        switch open {
        case nil: return openBlock(block, content: "")
        case .text?: return close() + openBlock(block, content: "")
        case .toolUse?:
            held.append((block, ""))
            return advance()
        }
    }

    private mutating func add(_ arguments: String, call: Int) -> [SSEEvent] {
        if case .toolUse(call, _, _)? = open { return [delta(arguments)] + advance() }
        if let position = held.firstIndex(where: { if case .toolUse(call, _, _) = $0.block { true } else { false } }) {
            held[position].content += arguments
            return advance()
        }
        // The call's block was closed because its arguments were complete JSON: only whitespace
        // may follow without making them invalid.
        if arguments.allSatisfy(\.isWhitespace) { return [] }
        return fail("tool call \(call) continued its arguments after they were complete")
    }

    /// Opens held blocks while the open one may close.
    private mutating func advance() -> [SSEEvent] {
        var events: [SSEEvent] = []
        while !held.isEmpty && openMayClose() {
            let next = held.removeFirst()
            events += close() + openBlock(next.block, content: next.content)
        }
        return events
    }

    /// Every block closed, held ones written out in order.
    private mutating func closeAll() -> [SSEEvent] {
        var events = close()
        while !held.isEmpty {
            let next = held.removeFirst()
            events += openBlock(next.block, content: next.content) + close()
        }
        return events
    }

    /// Whether the open block can close without cutting it short: text always, a tool call once
    /// its arguments are a complete JSON object.
    private mutating func openMayClose() -> Bool {
        guard case .toolUse? = open else { return true }
        if openArguments.utf8.count != checkedLength {
            checkedLength = openArguments.utf8.count
            openArgumentsComplete = openArguments.last(where: { !$0.isWhitespace }) == "}"
                && (try? JSONParser.parse(openArguments))?.object != nil
        }
        return openArgumentsComplete
    }

    private mutating func openBlock(_ block: Block, content: String) -> [SSEEvent] {
        let start: JSON
        switch block {
        case .text: start = ["type": "text", "text": ""]
        case .toolUse(_, let id, let name): start = ["type": "tool_use", "id": .string(id), "name": .string(name), "input": [:]]
        }
        open = block
        openArguments = ""
        checkedLength = -1
        nextIndex += 1
        var events = [Self.event(["type": "content_block_start", "index": .int(nextIndex - 1), "content_block": start])]
        if !content.isEmpty { events.append(delta(content)) }
        return events
    }

    /// A delta of the open block.
    private mutating func delta(_ content: String) -> SSEEvent {
        let delta: JSON
        if case .toolUse? = open {
            openArguments += content
            delta = ["type": "input_json_delta", "partial_json": .string(content)]
        } else {
            delta = ["type": "text_delta", "text": .string(content)]
        }
        return Self.event(["type": "content_block_delta", "index": .int(nextIndex - 1), "delta": delta])
    }

    private mutating func close() -> [SSEEvent] {
        guard open != nil else { return [] }
        open = nil
        return [Self.event(["type": "content_block_stop", "index": .int(nextIndex - 1)])]
    }

    /// An event named after its `type`.
    private static func event(_ json: JSON) -> SSEEvent {
        SSEEvent(name: json["type"]?.string, json: json)
    }
}
