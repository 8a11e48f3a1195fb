import Testing

@testable import Translation

@Suite("AnthropicMessageRenderer")
struct AnthropicMessageRendererTests {
    let renderer = AnthropicMessageRenderer(id: "msg_1", model: "claude-sonnet-4-5", stopSequences: ["END"])
    let estimate = Usage(input: 11, output: 3)

    @Test("text and tool calls, the upstream's usage")
    func full() throws {
        let completion = Completion(chat: try JSONParser.parse(#"""
            {"id":"c","choices":[{"message":{"role":"assistant","content":"On it.","tool_calls":[
             {"id":"call_1","type":"function","function":{"name":"get","arguments":"{\"q\":1}"}},
             {"id":"call_2","type":"function","function":{"name":"put","arguments":""}}]},"finish_reason":"tool_calls"}],
             "usage":{"prompt_tokens":20,"completion_tokens":9}}
            """#))
        #expect(renderer.render(completion, estimate: estimate).text == #"{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[{"type":"text","text":"On it."},{"type":"tool_use","id":"call_1","name":"get","input":{"q":1}},{"type":"tool_use","id":"call_2","name":"put","input":{}}],"stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":20,"output_tokens":9}}"#)
    }

    @Test("arguments that are not a JSON object are kept whole", arguments: [#"{"q":"#, "[1,2]", "not json"])
    func unparsed(arguments: String) {
        let completion = Completion(toolCalls: [.init(id: "a", name: "f", arguments: arguments)], stopReason: .toolUse)
        let input = renderer.render(completion, estimate: estimate)["content"]?.array?.first?["input"]
        #expect(input == [AnthropicMessageRenderer.unparsedArgumentsKey: .string(arguments)])
    }

    @Test("no text and no calls is empty content; the estimate stands in for missing usage")
    func empty() {
        let message = renderer.render(Completion(stopReason: .maxTokens), estimate: estimate)
        #expect(message["content"] == [])
        #expect(message["stop_reason"] == "max_tokens")
        #expect(message["usage"]?.text == #"{"input_tokens":11,"output_tokens":3}"#)
    }

    @Test("stop reasons and sequences", arguments: [
        (StopReason.endTurn, "end_turn", JSON.null),
        (.stopSequence("END"), "stop_sequence", "END"),
        (.stopSequence("OTHER"), "end_turn", .null),
        (.stopSequence(nil), "end_turn", .null),
        (.contentFilter, "refusal", .null),
    ])
    func stops(reason: StopReason, expected: String, sequence: JSON) {
        let message = renderer.render(Completion(text: "x", stopReason: reason), estimate: estimate)
        #expect(message["stop_reason"]?.string == expected)
        #expect(message["stop_sequence"] == sequence)
    }
}
