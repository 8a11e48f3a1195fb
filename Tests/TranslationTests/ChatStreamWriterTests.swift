import Testing

@testable import Translation

@Suite("ChatStreamWriter")
struct ChatStreamWriterTests {
    /// What a chat client receives for an Anthropic upstream's bytes, delivered in pieces of `size`.
    static func clientStream(upstream: String, includeUsage: Bool, pieceSize size: Int) -> String {
        var parser = SSEParser()
        var reader = AnthropicStreamReader()
        var writer = ChatStreamWriter(id: "chatcmpl-golden", created: 1_700_000_000, model: "claude-sonnet-4-5", includeUsage: includeUsage)
        var output: [UInt8] = []
        func deliver(_ event: SSEEvent) {
            for neutral in reader.read(event) {
                for chunk in writer.write(neutral) { output += chunk.bytes }
            }
        }
        let bytes = Array(upstream.utf8)
        for start in stride(from: 0, to: bytes.count, by: size) {
            parser.feed(bytes[start..<min(start + size, bytes.count)]).forEach(deliver)
        }
        if let last = parser.finish() { deliver(last) }
        let failure = reader.isDone ? nil : "the upstream stream ended before the answer was complete"
        for chunk in writer.end(failure: failure) { output += chunk.bytes }
        return String(decoding: output, as: UTF8.self)
    }

    @Test("Anthropic upstream → chat client, golden transcripts compared whole", arguments: [
        ("text", false), ("tool-use", true), ("two-tools", true), ("usage", true), ("truncated", true), ("error", false),
    ])
    func golden(name: String, includeUsage: Bool) throws {
        let upstream = try Golden.text("anthropic-to-chat-\(name).upstream.sse")
        let expected = try Golden.text("anthropic-to-chat-\(name).client.sse")
        for size in [1, 5, 64, upstream.utf8.count] {
            #expect(Self.clientStream(upstream: upstream, includeUsage: includeUsage, pieceSize: size) == expected, "pieces of \(size)")
        }
    }

    func write(_ events: [StreamEvent], includeUsage: Bool = false, failure: String? = nil) -> [String] {
        var writer = ChatStreamWriter(id: "chatcmpl-1", created: 7, model: "m", includeUsage: includeUsage)
        let chunks = events.flatMap { writer.write($0) } + writer.end(failure: failure)
        return chunks.map(\.data)
    }

    @Test("the role chunk comes once, first, even when the upstream never says it started")
    func roleFirst() {
        #expect(write([.text("a"), .finished(.endTurn)]) == [
            #"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":7,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}"#,
            #"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":7,"model":"m","choices":[{"index":0,"delta":{"content":"a"},"logprobs":null,"finish_reason":null}]}"#,
            #"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":7,"model":"m","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]}"#,
            "[DONE]",
        ])
    }

    @Test("usage before the finish is held for the end; without include_usage no usage is written", arguments: [true, false])
    func usageHeld(includeUsage: Bool) {
        let chunks = write([.started(id: nil, model: nil), .usage(Usage(input: 3, output: 4)), .finished(.maxTokens)], includeUsage: includeUsage)
        #expect(chunks.count == (includeUsage ? 4 : 3))
        #expect(chunks[1].contains(#""finish_reason":"length""#))
        #expect(chunks.last == "[DONE]")
        if includeUsage {
            #expect(chunks[2] == #"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":7,"model":"m","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}}"#)
            #expect(chunks[1].hasSuffix(#""usage":null}"#))
        } else {
            #expect(!chunks.joined().contains("usage"))
        }
    }

    @Test("a finish before an unclean end, or a clean end without a finish, is an error and no [DONE]")
    func truncated() {
        let error = { (message: String) in
            #"{"error":{"message":"\#(message)","type":"api_error","param":null,"code":"upstream_disconnected"}}"#
        }
        #expect(write([.text("a"), .finished(.endTurn)], failure: "reset by peer").last == error("reset by peer"))
        #expect(write([.text("a")]).last == error("the upstream stream ended before the answer was complete"))
        #expect(write([], failure: "timed out") == [error("timed out")])
        #expect(ChatStreamWriter(id: "i", created: 0, model: "m", includeUsage: false).keepAlive == nil)
    }

    @Test("after a failure nothing more is written, not even at the end")
    func failure() {
        #expect(write([.text("a"), .failed("boom"), .text("b"), .finished(.endTurn)]).suffix(1) == [
            #"{"error":{"message":"boom","type":"api_error","param":null,"code":"upstream_error"}}"#,
        ])
    }

    @Test("a repeated finish is written once")
    func finishOnce() {
        let chunks = write([.finished(.toolUse), .finished(.endTurn)])
        #expect(chunks.filter { $0.contains("finish_reason\":\"") }.count == 1)
        #expect(chunks[1].contains(#""finish_reason":"tool_calls""#))
    }
}
