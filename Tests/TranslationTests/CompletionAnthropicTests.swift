import Testing

@testable import Translation

@Suite("Completion+Anthropic")
struct CompletionAnthropicTests {
    @Test("an Anthropic message: text blocks joined, tool_use as calls, thinking skipped, stop and usage")
    func fromAnthropic() throws {
        let message = try JSONParser.parse(#"""
            {"id":"msg_1","type":"message","role":"assistant","model":"claude","content":[{"type":"thinking","thinking":"t","signature":"s"},
            {"type":"text","text":"Hello "},{"type":"text","text":"there"},{"type":"tool_use","id":"toolu_1","name":"f","input":{"a":[1,2]}}],
            "stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":10,"cache_read_input_tokens":90,"output_tokens":5}}
            """#)
        #expect(Completion(anthropic: message) == Completion(
            id: "msg_1", model: "claude", text: "Hello there", toolCalls: [.init(id: "toolu_1", name: "f", arguments: #"{"a":[1,2]}"#)],
            stopReason: .toolUse, usage: Usage(input: 100, output: 5)))
    }

    @Test("a stop sequence keeps its sequence; a missing stop reason is an end of turn")
    func stops() {
        #expect(Completion(anthropic: ["stop_reason": "stop_sequence", "stop_sequence": "END"]).stopReason == .stopSequence("END"))
        #expect(Completion(anthropic: ["content": []]) == Completion())
    }
}
