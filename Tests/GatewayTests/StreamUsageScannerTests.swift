import NIOCore
import Testing

@testable import Gateway

@Suite("StreamUsageScanner")
struct StreamUsageScannerTests {
    static let text = #"data: {"choices":[{"index":0,"delta":{"content":"hello"}}]}"# + "\n\n"
    static let usage = #"data: {"choices":[],"usage":{"prompt_tokens":7,"completion_tokens":3,"total_tokens":10}}"# + "\n\n"
    static let done = "data: [DONE]\n\n"

    func feed(_ scanner: inout StreamUsageScanner, _ pieces: [String]) -> String {
        var output: [UInt8] = []
        for piece in pieces { output += scanner.take(ByteBuffer(string: piece)).readableBytesView }
        output += scanner.finish().readableBytesView
        return String(decoding: output, as: UTF8.self)
    }

    @Test("the usage-only chunk is taken and dropped when the client did not ask for it")
    func strips() {
        var scanner = StreamUsageScanner(clientWantsUsage: false)
        #expect(feed(&scanner, [Self.text, Self.usage, Self.done]) == Self.text + Self.done)
        #expect(scanner.usage == TokenUsage(input: 7, output: 3, estimated: false))
        #expect(scanner.streamedCharacters == 5)
    }

    @Test("kept when the client asked for it")
    func keeps() {
        var scanner = StreamUsageScanner(clientWantsUsage: true)
        #expect(feed(&scanner, [Self.text, Self.usage, Self.done]) == Self.text + Self.usage + Self.done)
        #expect(scanner.usage?.input == 7)
    }

    @Test("events split across reads pass whole, each as soon as it is complete")
    func split() {
        var scanner = StreamUsageScanner(clientWantsUsage: false)
        let all = Self.text + Self.usage + Self.done
        let cut = all.index(all.startIndex, offsetBy: 20)
        #expect(scanner.take(ByteBuffer(string: String(all[..<cut]))).readableBytes == 0)
        let rest = scanner.take(ByteBuffer(string: String(all[cut...])))
        #expect(String(buffer: rest) == Self.text + Self.done)
    }

    @Test("usage on a chunk that also carries choices is kept in the stream")
    func usageWithChoices() {
        var scanner = StreamUsageScanner(clientWantsUsage: false)
        let event = #"data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":2}}"# + "\n\n"
        #expect(feed(&scanner, [event]) == event)
        #expect(scanner.usage?.output == 2)
    }

    @Test("what a real stream carries: usage null on every chunk, escapes and non-ASCII counted as characters, CRLF events, [DONE] in any spacing")
    func realChunks() {
        var scanner = StreamUsageScanner(clientWantsUsage: false)
        let events = [
            #"data: {"id":"c1","choices":[{"index":0,"delta":{"role":"assistant","content":""}}],"usage":null}"# + "\r\n\r\n",
            #"data: {"id":"c1","choices":[{"index":0,"delta":{"content":"h\u00e9 \"x\"\n"}}],"usage":null}"# + "\n\n",
            #"data: {"id":"c1","choices":[{"index":0,"delta":{"content":"żółw"}}],"usage" : null}"# + "\n\n",
            #"data: {"id":"c1","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"t","function":{"name":"f","arguments":"{\"a\":1}"}}]}}]}"# + "\n\n",
            #"data: {"id":"c1","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":null}"# + "\n\n",
            Self.usage, "data:[DONE]\n\n",
        ]
        #expect(feed(&scanner, events) == events.filter { $0 != Self.usage }.joined())
        #expect(scanner.usage == TokenUsage(input: 7, output: 3, estimated: false))
        // "hé \"x\"\n" is 7, "żółw" 4, the arguments {"a":1} 7.
        #expect(scanner.streamedCharacters == 18)
        #expect(scanner.sawDone)
    }

    @Test("content as parts and arguments as an object are read as JSON, and counted")
    func parsedForms() {
        var scanner = StreamUsageScanner(clientWantsUsage: false)
        let parts = #"data: {"choices":[{"index":0,"delta":{"content":[{"type":"text","text":"abc"}]}}]}"# + "\n\n"
        #expect(feed(&scanner, [parts, Self.done]) == parts + Self.done)
        #expect(scanner.streamedCharacters == 3)
        #expect(scanner.usage == nil)
    }

    @Test("a word that is a value, not a key, counts nothing; a stream cut mid-event keeps its tail for finish")
    func valuesAndTails() {
        var scanner = StreamUsageScanner(clientWantsUsage: false)
        let event = #"data: {"choices":[{"index":0,"delta":{"role":"content","content":"ab"}}],"note":"usage"}"# + "\n\n"
        #expect(feed(&scanner, [event, "data: {\"choi"]) == event + "data: {\"choi")
        #expect(scanner.streamedCharacters == 2)
        #expect(!scanner.sawDone)
    }

    @Test("[DONE] with other fields or comments, and events ended by CR or LF-CRLF, are read as a parser would")
    func spellings() {
        for done in ["id: 9\ndata: [DONE]\n\n", "event: done\r\ndata:[DONE]\r\n\r\n", ": bye\ndata: [DONE]\n\n"] {
            var scanner = StreamUsageScanner(clientWantsUsage: false)
            #expect(feed(&scanner, [Self.text, done]) == Self.text + done)
            #expect(scanner.sawDone, "\(done)")
        }
        var scanner = StreamUsageScanner(clientWantsUsage: false)
        let cr = #"data: {"choices":[{"index":0,"delta":{"content":"ab"}}]}"# + "\r\r"
        let lfcrlf = #"data: {"choices":[{"index":0,"delta":{"content":"cde"}}]}"# + "\n\r\n"
        #expect(feed(&scanner, [cr, lfcrlf, Self.done]) == cr + lfcrlf + Self.done)
        #expect(scanner.streamedCharacters == 5)
    }

    @Test("quotes outside the data line and keys written with escapes cannot hide usage or content")
    func tricks() {
        var scanner = StreamUsageScanner(clientWantsUsage: false)
        let comment = ": a quote \" here\n" + #"data: {"choices":[{"index":0,"delta":{"content":"ab"}}]}"# + "\n\n"
        let escaped = #"data: {"choices":[],"us\u0061ge":{"prompt_tokens":4,"completion_tokens":6}}"# + "\n\n"
        #expect(feed(&scanner, [comment, escaped, Self.done]) == comment + Self.done)
        #expect(scanner.streamedCharacters == 2)
        #expect(scanner.usage == TokenUsage(input: 4, output: 6, estimated: false))
    }

    @Test("an event that never ends is passed on as it comes once past a megabyte, not held or rescanned")
    func endless() {
        var scanner = StreamUsageScanner(clientWantsUsage: false)
        let piece = "data: " + String(repeating: "x", count: 64 << 10)
        var passed = 0
        for _ in 0..<20 { passed += scanner.take(ByteBuffer(string: piece)).readableBytes }
        #expect(passed >= 19 * piece.utf8.count - StreamUsageScanner.maximumEvent)
        #expect(passed + scanner.finish().readableBytes == 20 * piece.utf8.count)
    }
}
