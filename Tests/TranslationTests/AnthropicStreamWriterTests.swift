import Testing

@testable import Translation

@Suite("AnthropicStreamWriter")
struct AnthropicStreamWriterTests {
    /// What the client receives for an upstream chat stream, read whole then ended.
    static func transcript(of upstream: String, stopSequences: [String] = []) -> String {
        var parser = SSEParser()
        var reader = ChatStreamReader()
        var writer = AnthropicStreamWriter(id: "msg_golden", model: "claude-sonnet-4-5", inputTokens: 42, stopSequences: stopSequences)
        var output: [UInt8] = []
        var upstreamEvents = parser.feed(Array(upstream.utf8))
        if let last = parser.finish() { upstreamEvents.append(last) }
        for event in upstreamEvents {
            for neutral in reader.read(event) { output += writer.write(neutral).flatMap(\.bytes) }
        }
        output += writer.end(failure: reader.isDone ? nil : "the bridge ended the stream before [DONE]").flatMap(\.bytes)
        return String(decoding: output, as: UTF8.self)
    }

    @Test("golden transcripts, byte for byte", arguments: [
        "text", "tool-arguments", "parallel-interleaved", "usage-after-finish", "truncated", "upstream-error",
    ])
    func golden(name: String) throws {
        let upstream = try Golden.text("chat-to-anthropic-\(name).upstream.sse")
        let expected = try Golden.text("chat-to-anthropic-\(name).client.sse")
        #expect(Self.transcript(of: upstream) == expected)
    }

    /// The writer's events as JSON text, one per event, after `events` and a clean end.
    func write(_ events: [StreamEvent], failure: String? = nil, stopSequences: [String] = []) -> [String] {
        var writer = AnthropicStreamWriter(id: "msg_1", model: "m", inputTokens: 3, stopSequences: stopSequences)
        return (events.flatMap { writer.write($0) } + writer.end(failure: failure)).map(\.data)
    }

    @Test("sequential calls stream live: the next opens once the open call's arguments are complete")
    func sequentialCalls() {
        let events = write([
            .toolCall(index: 0, id: "a", name: "f"), .toolArguments(index: 0, #"{"x":1}"#),
            .toolCall(index: 1, id: "b", name: "g"), .toolArguments(index: 1, #"{"y":"#), .toolArguments(index: 1, "2}"),
            .finished(.toolUse), .usage(Usage(input: 7, output: 9)),
        ])
        #expect(Array(events.dropFirst()) == [
            #"{"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"a","name":"f","input":{}}}"#,
            #"{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\"x\":1}"}}"#,
            #"{"type":"content_block_stop","index":0}"#,
            #"{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"b","name":"g","input":{}}}"#,
            #"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"y\":"}}"#,
            #"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"2}"}}"#,
            #"{"type":"content_block_stop","index":1}"#,
            #"{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"input_tokens":7,"output_tokens":9}}"#,
            #"{"type":"message_stop"}"#,
        ])
    }

    @Test("text while a call is open waits for the call's arguments to complete, then streams as its own block")
    func textAfterCall() {
        let events = write([
            .toolCall(index: 0, id: "a", name: "f"), .toolArguments(index: 0, #"{"x":"#), .text("note"),
            .toolArguments(index: 0, "1}"), .text(" more"), .finished(.toolUse),
        ])
        #expect(Array(events.dropFirst()) == [
            #"{"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"a","name":"f","input":{}}}"#,
            #"{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\"x\":"}}"#,
            #"{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"1}"}}"#,
            #"{"type":"content_block_stop","index":0}"#,
            #"{"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}"#,
            #"{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"note"}}"#,
            #"{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":" more"}}"#,
            #"{"type":"content_block_stop","index":1}"#,
            #"{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":4}}"#,
            #"{"type":"message_stop"}"#,
        ])
    }

    @Test("arguments of a call never announced still get a block; held blocks come out at the finish")
    func unannouncedCall() {
        let events = write([.toolCall(index: 0, id: "a", name: "f"), .toolArguments(index: 0, "{"), .toolArguments(index: 1, "{}"), .finished(.toolUse)])
        #expect(Array(events.dropFirst()) == [
            #"{"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"a","name":"f","input":{}}}"#,
            #"{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{"}}"#,
            #"{"type":"content_block_stop","index":0}"#,
            #"{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"call_1","name":"","input":{}}}"#,
            #"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{}"}}"#,
            #"{"type":"content_block_stop","index":1}"#,
            #"{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":1}}"#,
            #"{"type":"message_stop"}"#,
        ])
    }

    @Test("message_start carries the pre-count and the injected id and model")
    func messageStart() {
        #expect(write([.text("x"), .finished(.endTurn)]).first
            == #"{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":3,"output_tokens":1}}}"#)
    }

    @Test("a broken-off stream fails even after a finish, while usage is awaited")
    func brokenAfterFinish() {
        let events = write([.text("x"), .finished(.endTurn)], failure: "connection reset")
        #expect(events.last == #"{"type":"error","error":{"type":"api_error","message":"connection reset"}}"#)
        #expect(!events.contains(#"{"type":"message_stop"}"#))
    }

    @Test("a clean end without a finish is still a truncated answer")
    func cleanEndWithoutFinish() {
        let events = write([.text("x")])
        #expect(events.last == #"{"type":"error","error":{"type":"api_error","message":"the upstream stream ended before the answer finished"}}"#)
    }

    @Test("message_delta waits after the finish until usage comes")
    func holdsForUsage() {
        var writer = AnthropicStreamWriter(id: "msg_1", model: "m", inputTokens: 3)
        _ = writer.write(.text("x"))
        #expect(writer.write(.finished(.endTurn)).map(\.name) == ["content_block_stop"])
        #expect(writer.write(.usage(Usage(input: 5, output: 1))).map(\.name) == ["message_delta", "message_stop"])
    }

    @Test("usage before the finish is used at once; nothing is written after the end")
    func usageFirst() {
        var writer = AnthropicStreamWriter(id: "msg_1", model: "m", inputTokens: 3)
        _ = writer.write(.usage(Usage(input: 1, output: 2)))
        let finish = writer.write(.finished(.maxTokens)).map(\.data)
        #expect(finish == [
            #"{"type":"message_delta","delta":{"stop_reason":"max_tokens","stop_sequence":null},"usage":{"input_tokens":1,"output_tokens":2}}"#,
            #"{"type":"message_stop"}"#,
        ])
        #expect(writer.isEnded)
        #expect(writer.write(.text("late")).isEmpty)
        #expect(writer.end(failure: nil).isEmpty)
        #expect(writer.end(failure: "late").isEmpty)
        #expect(writer.fail("x").isEmpty)
    }

    @Test("a stop sequence is reported only when the upstream names one of the client's")
    func stopSequences() {
        #expect(write([.finished(.stopSequence("END"))], stopSequences: ["END"]).contains {
            $0.contains(#""delta":{"stop_reason":"stop_sequence","stop_sequence":"END"}"#)
        })
        #expect(write([.finished(.stopSequence(nil))], stopSequences: ["END"]).contains {
            $0.contains(#""delta":{"stop_reason":"end_turn","stop_sequence":null}"#)
        })
    }

    @Test("keep-alive ping and fail")
    func pingAndFail() {
        var writer = AnthropicStreamWriter(id: "msg_1", model: "m", inputTokens: 3)
        #expect(writer.keepAlive == SSEEvent(name: "ping", data: #"{"type":"ping"}"#))
        let failed = writer.fail("upstream timed out")
        #expect(failed == [SSEEvent(name: "error", data: #"{"type":"error","error":{"type":"api_error","message":"upstream timed out"}}"#)])
        #expect(writer.end(failure: nil).isEmpty)
    }

    @Test("arguments continuing after a call's block closed complete fail the stream, whitespace is dropped")
    func lateArguments() {
        let whitespace = write([
            .toolCall(index: 0, id: "a", name: "f"), .toolArguments(index: 0, "{}"), .toolCall(index: 1, id: "b", name: "g"),
            .toolArguments(index: 0, " "), .finished(.toolUse),
        ])
        #expect(whitespace.last == #"{"type":"message_stop"}"#)
        let garbage = write([
            .toolCall(index: 0, id: "a", name: "f"), .toolArguments(index: 0, "{}"), .toolCall(index: 1, id: "b", name: "g"),
            .toolArguments(index: 0, "x"), .finished(.toolUse),
        ])
        #expect(garbage.last == #"{"type":"error","error":{"type":"api_error","message":"tool call 0 continued its arguments after they were complete"}}"#)
    }
}
