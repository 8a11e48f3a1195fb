import NIOCore
import Translation

/// An Anthropic or Responses stream from a bridge speaking the client's own dialect: bytes pass
/// unchanged as they come, while a copy is read for usage. A stream that breaks off, or ends
/// without its proper end (`message_stop`, `response.completed`), gets the dialect's error event.
struct EventPassThrough: StreamConversion {
    private var parser = SSEParser()
    private var reader: any StreamReader
    private let dialect: UpstreamDialect
    private let bridge: String
    private var tally = StreamTally()

    init(reader: any StreamReader, dialect: UpstreamDialect, bridge: String) {
        self.reader = reader
        self.dialect = dialect
        self.bridge = bridge
    }

    mutating func take(_ buffer: ByteBuffer) -> ByteBuffer {
        watch(parser.feed(buffer.readableBytesView))
        return buffer
    }

    mutating func end(failure: String?) -> [UInt8] {
        let cutMidEvent = parser.isMidEvent
        watch(parser.finish().map { [$0] } ?? [])
        guard let reason = tally.failure(broken: failure, complete: reader.isDone, bridge: bridge) else { return [] }
        let event: SSEEvent =
            switch dialect {
            case .anthropic:
                SSEEvent(name: "error", json: ["type": "error", "error": ["type": "api_error", "message": .string(reason)]])
            case .responses, .chat:
                SSEEvent(name: "error", json: ["type": "error", "code": "upstream_disconnected", "message": .string(reason), "param": nil])
            }
        // A newline first, in case the bridge stopped in the middle of an event.
        return (cutMidEvent ? [10, 10] : []) + event.bytes
    }

    var keepAlive: [UInt8]? { nil }
    var usage: TokenUsage? { tally.usage }
    var outputCharacters: Int { tally.outputCharacters }
    var errorCode: String? { tally.errorCode }

    private mutating func watch(_ events: [SSEEvent]) {
        for event in events {
            for neutral in reader.read(event) { tally.count(neutral) }
        }
    }
}
