import Testing

@testable import Translation

@Suite("AnthropicStreamReader")
struct AnthropicStreamReaderTests {
    func read(_ events: [String]) -> (events: [StreamEvent], isDone: Bool) {
        var reader = AnthropicStreamReader()
        let read = events.flatMap { reader.read(SSEEvent(data: $0)) }
        return (read, reader.isDone)
    }

    @Test("start, text, a tool call with streamed input, finish with usage (cache tokens are input), stop")
    func plain() {
        let result = read([
            #"{"type":"message_start","message":{"id":"msg_1","model":"claude","usage":{"input_tokens":10,"cache_read_input_tokens":5,"cache_creation_input_tokens":2,"output_tokens":1}}}"#,
            #"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":"Hi"}}"#,
            #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" there"}}"#,
            #"{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_a","name":"f","input":{}}}"#,
            #"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"x\":"}}"#,
            #"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"1}"}}"#,
            #"{"type":"content_block_stop","index":1}"#,
            #"{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":9}}"#,
            #"{"type":"message_stop"}"#,
        ])
        #expect(result.events == [
            .started(id: "msg_1", model: "claude"), .text("Hi"), .text(" there"), .toolCall(index: 0, id: "toolu_a", name: "f"),
            .toolArguments(index: 0, #"{"x":"#), .toolArguments(index: 0, "1}"), .finished(.toolUse), .usage(Usage(input: 17, output: 9)),
        ])
        #expect(result.isDone)
    }

    @Test("a tool_use block given its input whole; calls numbered apart from block indices; thinking ignored")
    func wholeInput() {
        let result = read([
            #"{"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}}"#,
            #"{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"hmm"}}"#,
            #"{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"a","name":"f","input":{"q":"x"}}}"#,
            #"{"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"b","name":"g","input":{}}}"#,
            #"{"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{}"}}"#,
        ])
        #expect(result.events == [
            .toolCall(index: 0, id: "a", name: "f"), .toolArguments(index: 0, #"{"q":"x"}"#), .toolCall(index: 1, id: "b", name: "g"),
            .toolArguments(index: 1, "{}"),
        ])
        #expect(!result.isDone)
    }

    @Test("a stop sequence is reported with the sequence; input tokens in message_delta win")
    func stopSequence() {
        let result = read([
            #"{"type":"message_start","message":{"usage":{"input_tokens":3}}}"#,
            #"{"type":"message_delta","delta":{"stop_reason":"stop_sequence","stop_sequence":"END"},"usage":{"input_tokens":4,"output_tokens":2}}"#,
        ])
        #expect(result.events == [.started(id: nil, model: nil), .finished(.stopSequence("END")), .usage(Usage(input: 4, output: 2))])
    }

    @Test("an error event fails with its message; a non-JSON event fails; ping and unknown events are ignored")
    func failures() {
        #expect(read([#"{"type":"ping"}"#, #"{"type":"future_event"}"#, #"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#]).events == [
            .failed("Overloaded"),
        ])
        #expect(read([#"{"type":"content_block_delta","#]).events == [.failed(#"malformed upstream event: {"type":"content_block_delta","#)])
    }
}
