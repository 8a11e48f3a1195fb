import Testing

@testable import Translation

@Suite("ChatStreamReader")
struct ChatStreamReaderTests {
    func read(_ chunks: [String]) -> [StreamEvent] {
        var reader = ChatStreamReader()
        return chunks.flatMap { reader.read(SSEEvent(data: $0)) }
    }

    @Test("text, a streamed tool call, finish, then usage after the finish")
    func plain() {
        let events = read([
            #"{"id":"c1","model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"}}]}"#,
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"get","arguments":""}}]}}]}"#,
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"q\":"}}]}}]}"#,
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"1}"}}]}}]}"#,
            #"{"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}"#,
            #"{"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":2}}"#,
            "[DONE]",
        ])
        #expect(events == [
            .started(id: "c1", model: "m"), .text("Hi"), .toolCall(index: 0, id: "call_a", name: "get"),
            .toolArguments(index: 0, #"{"q":"#), .toolArguments(index: 0, "1}"), .finished(.toolUse),
            .usage(Usage(input: 5, output: 2)),
        ])
    }

    @Test("Ollama: a new id on index 0 is a second call; arguments as an object; stop after tool calls is tool use")
    func ollama() {
        let events = read([
            #"{"choices":[{"delta":{"tool_calls":[{"index":0,"id":"a","function":{"name":"f","arguments":{"x":1}}}]}}]}"#,
            #"{"choices":[{"delta":{"tool_calls":[{"index":0,"id":"b","function":{"name":"g","arguments":"{}"}}]}}]}"#,
            #"{"choices":[{"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1}}"#,
        ])
        #expect(events == [
            .started(id: nil, model: nil), .toolCall(index: 0, id: "a", name: "f"), .toolArguments(index: 0, #"{"x":1}"#),
            .toolCall(index: 1, id: "b", name: "g"), .toolArguments(index: 1, "{}"), .finished(.toolUse),
            .usage(Usage(input: 1, output: 1)),
        ])
    }

    @Test("text and tool calls in separate choices are one answer; a name after the id is waited for")
    func splitChoices() {
        let events = read([
            #"{"choices":[{"index":0,"delta":{"content":"a"}},{"index":1,"delta":{"tool_calls":[{"index":0,"id":"x"}]}}]}"#,
            #"{"choices":[{"index":1,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{}"}}]}}]}"#,
            #"{"choices":[{"index":1,"delta":{"tool_calls":[{"index":0,"function":{"name":"late"}}]},"finish_reason":"tool_calls"}]}"#,
        ])
        #expect(events == [
            .started(id: nil, model: nil), .text("a"), .toolCall(index: 0, id: "x", name: "late"), .toolArguments(index: 0, "{}"),
            .finished(.toolUse),
        ])
    }

    @Test("an error object mid-stream fails; junk and unknown events are ignored")
    func failures() {
        #expect(read(["not json", #"{"type":"ping"}"#, #"{"error":{"message":"overloaded"}}"#]) == [
            .started(id: nil, model: nil), .failed("overloaded"),
        ])
    }
}
