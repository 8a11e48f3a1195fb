import NIOCore
import Translation

/// Reads an OpenAI chat-completions SSE stream as it passes through: splits it into events,
/// remembers the `usage` the upstream reports and the text it streams (for an estimate when no
/// usage comes), and drops the usage-only chunk (`"choices": []`) when the client did not ask for
/// usage (the gateway asked for it on the client's behalf). Events pass on whole, as soon as they
/// are complete; nothing else is held back.
struct StreamUsageScanner {
    /// Whether the client asked for usage itself (then every event passes).
    let clientWantsUsage: Bool
    private var reader = ChatStreamReader()
    private var tally = StreamTally()
    private var pending: [UInt8] = []

    /// The usage the upstream reported, if any.
    var usage: TokenUsage? { tally.usage }
    /// Characters of text and tool arguments streamed, for an estimate.
    var streamedCharacters: Int { tally.outputCharacters }
    /// Whether the stream's `data: [DONE]` passed.
    var sawDone: Bool { reader.isDone }

    init(clientWantsUsage: Bool) {
        self.clientWantsUsage = clientWantsUsage
    }

    /// Takes bytes from upstream; returns the bytes to send to the client now.
    mutating func take(_ buffer: ByteBuffer) -> [UInt8] {
        pending += buffer.readableBytesView
        var output: [UInt8] = []
        while let end = Self.eventEnd(in: pending) {
            let event = Array(pending[..<end])
            pending.removeFirst(end)
            if inspect(event) { output += event }
        }
        return output
    }

    /// What is left when the stream ends (an unterminated last event).
    mutating func finish() -> [UInt8] {
        defer { pending = [] }
        return pending
    }

    /// Looks at one event; returns whether it goes to the client: all do, except a chunk that
    /// carries nothing but the usage when the client did not ask for usage.
    private mutating func inspect(_ event: [UInt8]) -> Bool {
        var parser = SSEParser()
        var usageOnly = false
        for sse in parser.feed(event) {
            let neutral = reader.read(sse)
            neutral.forEach { tally.count($0) }
            usageOnly = neutral.contains { if case .usage = $0 { true } else { false } }
                && neutral.allSatisfy { if case .usage = $0 { true } else if case .started = $0 { true } else { false } }
        }
        return clientWantsUsage || !usageOnly
    }

    /// The index just past the first complete event (`\n\n` or `\r\n\r\n`), if any.
    private static func eventEnd(in bytes: [UInt8]) -> Int? {
        var index = 0
        while index + 1 < bytes.count {
            if bytes[index] == 10 && bytes[index + 1] == 10 { return index + 2 }
            if index + 3 < bytes.count && bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 && bytes[index + 3] == 10 {
                return index + 4
            }
            index += 1
        }
        return nil
    }
}
