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
        for piece in pieces { output += scanner.take(ByteBuffer(string: piece)) }
        output += scanner.finish()
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
        #expect(scanner.take(ByteBuffer(string: String(all[..<cut]))).isEmpty)
        let rest = scanner.take(ByteBuffer(string: String(all[cut...])))
        #expect(String(decoding: rest, as: UTF8.self) == Self.text + Self.done)
    }

    @Test("usage on a chunk that also carries choices is kept in the stream")
    func usageWithChoices() {
        var scanner = StreamUsageScanner(clientWantsUsage: false)
        let event = #"data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":2}}"# + "\n\n"
        #expect(feed(&scanner, [event]) == event)
        #expect(scanner.usage?.output == 2)
    }
}
