import NIOCore
import Translation

/// Reads an OpenAI chat-completions SSE stream as it passes through, at the cost of one byte scan
/// per event: splits it into events, remembers the `usage` the upstream reports, counts the
/// characters of the text and tool arguments it streams (for an estimate when no usage comes), and
/// drops the usage-only chunk (`"choices": []`) when the client did not ask for usage (the gateway
/// asked for it on the client's behalf). Only an event whose `usage` is an object, or whose
/// content or arguments are not plain strings, is parsed as JSON. Events pass on whole, uncopied,
/// as soon as they are complete; nothing else is held back.
struct StreamUsageScanner {
    /// Whether the client asked for usage itself (then every event passes).
    let clientWantsUsage: Bool
    /// The events the scan cannot settle: usage, content parts, arguments as objects.
    private var reader = ChatStreamReader()
    private var tally = StreamTally()
    /// The start of an event not complete yet, and how far it was looked at.
    private var pending = ByteBuffer()
    private var boundary = SSEEventBoundary()
    private var scannedCharacters = 0
    /// Whether the stream's `data: [DONE]` passed.
    var sawDone: Bool { reader.isDone }

    /// An event longer than this is passed on unread as it comes: a bridge cannot make the gateway
    /// hold a stream back, or rescan it, by never ending an event.
    static let maximumEvent = 1 << 20

    /// The usage the upstream reported, if any.
    var usage: TokenUsage? { tally.usage }
    /// Characters of text and tool arguments streamed, for an estimate.
    var streamedCharacters: Int { scannedCharacters + tally.outputCharacters }

    init(clientWantsUsage: Bool) {
        self.clientWantsUsage = clientWantsUsage
    }

    /// Takes bytes from upstream; returns the bytes to send to the client now.
    mutating func take(_ buffer: ByteBuffer) -> ByteBuffer {
        var input = buffer
        if pending.readableBytes > 0 {
            pending.writeImmutableBuffer(buffer)
            input = pending
            pending = ByteBuffer()
        }
        var complete = 0
        var dropped: [Range<Int>] = []
        input.withUnsafeReadableBytes { bytes in
            while let end = boundary.next(in: bytes) {
                if !inspect(UnsafeRawBufferPointer(rebasing: bytes[complete..<end])) { dropped.append(complete..<end) }
                complete = end
            }
        }
        boundary.consumed(complete)
        if input.readableBytes - complete > Self.maximumEvent {
            // Not an event stream the gateway can read: it goes on as it is.
            complete = input.readableBytes
            boundary = SSEEventBoundary(atLineStart: false)
        } else if complete < input.readableBytes {
            pending = input.getSlice(at: input.readerIndex + complete, length: input.readableBytes - complete)!
        }
        guard !dropped.isEmpty else { return input.getSlice(at: input.readerIndex, length: complete)! }
        var output = ByteBuffer()
        var kept = 0
        for range in dropped + [complete..<complete] {
            output.writeImmutableBuffer(input.getSlice(at: input.readerIndex + kept, length: range.lowerBound - kept)!)
            kept = range.upperBound
        }
        return output
    }

    /// What is left when the stream ends (an unterminated last event).
    mutating func finish() -> ByteBuffer {
        defer {
            pending = ByteBuffer()
            boundary = SSEEventBoundary()
        }
        return pending
    }

    /// Looks at one event; returns whether it goes to the client: all do, except a chunk that
    /// carries nothing but the usage when the client did not ask for usage.
    private mutating func inspect(_ event: UnsafeRawBufferPointer) -> Bool {
        let scan = ChatChunkScan(event)
        if scan.isDone {
            // The reader ends tool calls still open (their arguments count).
            reader.read(SSEEvent(data: "[DONE]")).forEach { tally.count($0) }
            return true
        }
        guard scan.needsParsing else {
            scannedCharacters += scan.characters
            return true
        }
        var parser = SSEParser()
        var usageOnly = false
        for sse in parser.feed(Array(event)) {
            let neutral = reader.read(sse)
            neutral.forEach { tally.count($0) }
            usageOnly = neutral.contains { if case .usage = $0 { true } else { false } }
                && neutral.allSatisfy { if case .usage = $0 { true } else if case .started = $0 { true } else { false } }
        }
        return clientWantsUsage || !usageOnly
    }
}
