/// Splits a server-sent-events byte stream into events as bytes arrive, in any pieces: lines end
/// in LF, CRLF or CR; comments (`:`) and fields other than `event` and `data` are skipped; an
/// event is dispatched at its blank line.
public struct SSEParser: Sendable {
    private var line: [UInt8] = []
    private var name: String?
    private var data: [String] = []
    private var hasData = false
    private var afterCR = false

    public init() {}

    /// The events completed by `bytes`.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [SSEEvent] {
        // Called from other modules, this generic is not specialised: a byte at a time through
        // its iterator's witness table cost a tenth of the gateway's CPU per relayed stream.
        // Contiguous bytes (arrays, buffers' views) take the concrete loop.
        if let events = bytes.withContiguousStorageIfAvailable({ feed(contiguous: $0) }) { return events }
        return Array(bytes).withUnsafeBufferPointer { feed(contiguous: $0) }
    }

    private mutating func feed(contiguous bytes: UnsafeBufferPointer<UInt8>) -> [SSEEvent] {
        var events: [SSEEvent] = []
        for byte in bytes {
            if afterCR {
                afterCR = false
                if byte == 0x0A { continue }
            }
            if byte == 0x0A || byte == 0x0D {
                afterCR = byte == 0x0D
                if let event = endLine() { events.append(event) }
            } else {
                line.append(byte)
            }
        }
        return events
    }

    /// At the end of the stream: the last event when it lacked its blank line, else nil.
    public mutating func finish() -> SSEEvent? {
        var event: SSEEvent?
        if !line.isEmpty { event = endLine() }
        if event == nil && hasData { event = dispatch() }
        return event
    }

    /// Whether bytes of an unfinished event are held.
    public var isMidEvent: Bool { !line.isEmpty || hasData || name != nil }

    private mutating func endLine() -> SSEEvent? {
        defer { line.removeAll(keepingCapacity: true) }
        if line.isEmpty { return hasData ? dispatch() : reset() }
        if line.first == UInt8(ascii: ":") { return nil }
        let colon = line.firstIndex(of: UInt8(ascii: ":")) ?? line.endIndex
        let field = String(decoding: line[..<colon], as: UTF8.self)
        var valueStart = colon < line.endIndex ? colon + 1 : colon
        if valueStart < line.endIndex && line[valueStart] == UInt8(ascii: " ") { valueStart += 1 }
        let value = String(decoding: line[valueStart...], as: UTF8.self)
        switch field {
        case "event": name = value
        case "data":
            data.append(value)
            hasData = true
        default: break
        }
        return nil
    }

    private mutating func dispatch() -> SSEEvent {
        let event = SSEEvent(name: name, data: data.joined(separator: "\n"))
        _ = reset()
        return event
    }

    private mutating func reset() -> SSEEvent? {
        name = nil
        data = []
        hasData = false
        return nil
    }
}
