import Testing

@testable import Translation

@Suite("ChatCompletionRenderer")
struct ChatCompletionRendererTests {
    let renderer = ChatCompletionRenderer(id: "chatcmpl-1", created: 9, model: "m")
    let estimate = Usage(input: 50, output: 60)

    @Test("text, tool calls, finish_reason and the upstream's usage, in a fixed key order")
    func full() {
        let completion = Completion(text: "Hi", toolCalls: [.init(id: "c1", name: "f", arguments: "{}")], stopReason: .toolUse, usage: Usage(input: 3, output: 4))
        #expect(renderer.render(completion, estimate: estimate).text == #"{"id":"chatcmpl-1","object":"chat.completion","created":9,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"Hi","tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}],"refusal":null},"logprobs":null,"finish_reason":"tool_calls"}],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}}"#)
    }

    @Test("only tool calls give null content; no upstream usage gives the estimate")
    func onlyCalls() {
        let json = renderer.render(Completion(toolCalls: [.init(id: "c1", name: "f", arguments: "{}")], stopReason: .toolUse), estimate: estimate)
        #expect(json["choices"]?.array?.first?["message"]?["content"] == .null)
        #expect(json["usage"]?.text == #"{"prompt_tokens":50,"completion_tokens":60,"total_tokens":110}"#)
    }

    @Test("an empty answer has empty content and no tool_calls; a stop sequence finishes as stop")
    func empty() {
        let json = renderer.render(Completion(stopReason: .stopSequence("END")), estimate: estimate)
        #expect(json["choices"]?.array?.first?["message"]?.text == #"{"role":"assistant","content":"","refusal":null}"#)
        #expect(json["choices"]?.array?.first?["finish_reason"] == "stop")
    }
}
