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
}
