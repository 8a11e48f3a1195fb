/// Splits a child's output stream into lines for the log, cutting a line longer than `limit` bytes
/// (and dropping the rest of it) so that one runaway line cannot flood the journal.
struct LineBuffer: Sendable {
    /// The most bytes of one line that reach the log.
    let limit: Int
    private var pending: [UInt8] = []
    /// Inside a line that was already cut: drop bytes until its newline.
    private var discarding = false

    /// The default `limit`: 4 KiB.
    static let maximumLength = 4096

    init(limit: Int = maximumLength) {
        self.limit = limit
    }

    /// Takes the next bytes of the stream; returns the lines they complete, without newlines.
    mutating func append(_ bytes: some Sequence<UInt8>) -> [String] {
        var lines: [String] = []
        for byte in bytes {
            if byte == 0x0A {
                if !discarding { lines.append(Self.text(pending)) }
                pending.removeAll(keepingCapacity: true)
                discarding = false
            } else if !discarding {
                pending.append(byte)
                if pending.count >= limit {
                    lines.append(Self.text(pending) + " …(line cut at \(limit) bytes)")
                    pending.removeAll(keepingCapacity: true)
                    discarding = true
                }
            }
        }
        return lines
    }

    /// The stream ended: returns its last line if it had no newline.
    mutating func finish() -> String? {
        defer {
            pending.removeAll()
            discarding = false
        }
        return pending.isEmpty ? nil : Self.text(pending)
    }

    private static func text(_ bytes: [UInt8]) -> String {
        var text = String(decoding: bytes, as: UTF8.self)
        if text.last == "\r" { text.removeLast() }
        return text
    }
}
