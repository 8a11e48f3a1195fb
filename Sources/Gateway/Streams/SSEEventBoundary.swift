/// Where server-sent events end in a byte stream: at an empty line, lines ending in CRLF, LF or
/// CR (the SSE specification's three). It remembers how far it looked, so bytes that arrive piece
/// by piece are each looked at once; a CR at the end waits for the next byte (it may be half a CRLF).
struct SSEEventBoundary {
    /// Where the next look starts, in the bytes given next time (after ``consumed(_:)``).
    private var index = 0
    /// Whether `index` is at the start of a line.
    private var atLineStart: Bool

    /// A boundary for bytes that start an event, or (`atLineStart` false) continue a line.
    init(atLineStart: Bool = true) {
        self.atLineStart = atLineStart
    }

    /// The index just past the next complete event, or nil when the bytes hold no more.
    mutating func next(in bytes: UnsafeRawBufferPointer) -> Int? {
        while index < bytes.count {
            let byte = bytes[index]
            guard byte == 10 || byte == 13 else {
                atLineStart = false
                index += 1
                continue
            }
            var next = index + 1
            if byte == 13 {
                guard next < bytes.count else { return nil }
                if bytes[next] == 10 { next += 1 }
            }
            index = next
            if atLineStart { return next }
            atLineStart = true
        }
        return nil
    }

    /// The first `count` bytes were taken away: what is left starts at 0 next time.
    mutating func consumed(_ count: Int) {
        index -= count
        if index <= 0 {
            index = 0
            atLineStart = true
        }
    }
}
