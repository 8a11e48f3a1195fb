import NIOCore
import Translation

/// A stream translated between dialects: the bridge's SSE events are read into neutral events
/// and written in the client's dialect. A stream that breaks off, or ends without its proper end,
/// ends in the client dialect's error event.
struct StreamTranslation: StreamConversion {
    private var parser = SSEParser()
    private var reader: any StreamReader
    private var writer: any StreamWriter
    private let bridge: String
    private var tally = StreamTally()

    init(reader: any StreamReader, writer: any StreamWriter, bridge: String) {
        self.reader = reader
        self.writer = writer
        self.bridge = bridge
    }

    /// The client dialect's opening events (`message_start`, `response.created`, the first chat
    /// chunk) right away: a client waiting through a long silence before the first token knows the
    /// stream is alive, and Anthropic's `ping`s never come before `message_start`.
    mutating func begin() -> [UInt8] {
        writer.write(.started(id: nil, model: nil)).flatMap(\.bytes)
    }

    mutating func take(_ buffer: ByteBuffer) -> ByteBuffer {
        ByteBuffer(bytes: translate(parser.feed(buffer.readableBytesView)))
    }

    mutating func end(failure: String?) -> [UInt8] {
        var output = translate(parser.finish().map { [$0] } ?? [])
        let reason = tally.failure(broken: failure, complete: reader.isDone, bridge: bridge)
        for event in writer.end(failure: reason) { output += event.bytes }
        return output
    }

    var keepAlive: [UInt8]? { writer.keepAlive?.bytes }
    var usage: TokenUsage? { tally.usage }
    var outputCharacters: Int { tally.outputCharacters }
    var errorCode: String? { tally.errorCode }

    private mutating func translate(_ events: [SSEEvent]) -> [UInt8] {
        var output: [UInt8] = []
        for event in events {
            for neutral in reader.read(event) {
                tally.count(neutral)
                for out in writer.write(neutral) { output += out.bytes }
            }
        }
        return output
    }
}
