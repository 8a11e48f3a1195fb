import Testing

@testable import Translation

@Suite("SSEParser")
struct SSEParserTests {
    @Test("events split at blank lines in any pieces and line endings")
    func pieces() {
        let stream = "event: a\ndata: {\"x\":1}\n\n: comment\r\ndata: one\r\ndata: two\r\n\r\ndata:three\r\rid: 7\ndata: [DONE]\n\n"
        let expected = [SSEEvent(name: "a", data: #"{"x":1}"#), SSEEvent(data: "one\ntwo"), SSEEvent(data: "three"), SSEEvent(data: "[DONE]")]
        for size in [1, 2, 3, 7, 1000] {
            var parser = SSEParser()
            var events: [SSEEvent] = []
            let bytes = Array(stream.utf8)
            for start in stride(from: 0, to: bytes.count, by: size) {
                events += parser.feed(bytes[start..<min(start + size, bytes.count)])
            }
            #expect(events == expected, "pieces of \(size)")
            #expect(parser.finish() == nil)
        }
    }

    @Test("an event cut off before its blank line is handed over at the end")
    func truncated() {
        var parser = SSEParser()
        #expect(parser.feed(Array("data: {\"a\":".utf8)).isEmpty)
        #expect(parser.isMidEvent)
        #expect(parser.finish() == SSEEvent(data: #"{"a":"#))
    }

    @Test("writes events back with one data line per line")
    func bytes() {
        #expect(String(decoding: SSEEvent(name: "ping", json: ["type": "ping"]).bytes, as: UTF8.self) == "event: ping\ndata: {\"type\":\"ping\"}\n\n")
        #expect(String(decoding: SSEEvent(data: "a\nb").bytes, as: UTF8.self) == "data: a\ndata: b\n\n")
    }
}
