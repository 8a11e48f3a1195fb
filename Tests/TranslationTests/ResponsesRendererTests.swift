import Testing

@testable import Translation

@Suite("ResponsesRenderer")
struct ResponsesRendererTests {
    let history = ResponseHistory()

    func renderer(_ request: JSON) throws -> ResponsesRenderer {
        let translation = try ResponsesRequestTranslator(history: history.scope(nil)).translate(request, model: "qwen2.5")
        return ResponsesRenderer(translation: translation, id: "7", createdAt: 1_700_000_000, model: "qwen2.5")
    }

    @Test("a whole answer, compared whole: message then calls, usage, the request's settings echoed")
    func whole() throws {
        let renderer = try renderer([
            "instructions": "I", "input": "q", "max_output_tokens": 100, "temperature": 0.5, "top_p": 0.8,
            "tools": [["type": "function", "name": "f"]], "tool_choice": "required", "parallel_tool_calls": false,
            "reasoning": ["effort": "low"], "truncation": "auto", "user": "u", "metadata": ["a": "b"],
            "text": ["format": ["type": "json_object"]],
        ])
        let completion = Completion(
            text: "Hi", toolCalls: [.init(id: "call_1", name: "f", arguments: #"{"a":1}"#)], stopReason: .toolUse,
            usage: Usage(input: 10, output: 5))
        #expect(renderer.response(for: completion).text == """
            {"id":"resp_7","object":"response","created_at":1700000000,"status":"completed","error":null,"incomplete_details":null,\
            "instructions":"I","max_output_tokens":100,"model":"qwen2.5","output":[\
            {"id":"msg_7","type":"message","status":"completed","role":"assistant","content":[{"type":"output_text","text":"Hi","annotations":[]}]},\
            {"id":"fc_7_0","type":"function_call","status":"completed","call_id":"call_1","name":"f","arguments":"{\\"a\\":1}"}],\
            "parallel_tool_calls":false,"previous_response_id":null,"reasoning":{"effort":"low","summary":null},"store":true,\
            "temperature":0.5,"text":{"format":{"type":"json_object"}},"tool_choice":"required","tools":[{"type":"function","name":"f"}],\
            "top_p":0.8,"truncation":"auto","usage":{"input_tokens":10,"input_tokens_details":{"cached_tokens":0},"output_tokens":5,\
            "output_tokens_details":{"reasoning_tokens":0},"total_tokens":15},"user":"u","metadata":{"a":"b"}}
            """)
    }

    @Test("only calls: no message item; the call items in order")
    func callsOnly() throws {
        let response = try renderer(["input": "q"]).response(for: Completion(
            toolCalls: [.init(id: "a", name: "f", arguments: "{}"), .init(id: "b", name: "g", arguments: "{}")], stopReason: .toolUse))
        #expect(response["output"]?.array?.map { $0["id"]!.string! } == ["fc_7_0", "fc_7_1"])
    }

    @Test("a stop at the token limit or by the filter is incomplete, with the reason", arguments: [
        (StopReason.maxTokens, "max_output_tokens"), (.contentFilter, "content_filter"),
    ])
    func incomplete(reason: StopReason, name: String) throws {
        let response = try renderer(["input": "q"]).response(for: Completion(text: "cut", stopReason: reason))
        #expect(response["status"] == "incomplete")
        #expect(response["incomplete_details"] == ["reason": .string(name)])
        #expect(response["output"]?.array?.first?["status"] == "incomplete")
    }

    @Test("without upstream usage the counts are estimates: the chat request in, the answer's characters out")
    func estimatedUsage() throws {
        let renderer = try renderer(["input": "What is the weather like?"])
        let response = renderer.response(for: Completion(text: "Sunny and warm.", toolCalls: [.init(id: "c", name: "f", arguments: "{}")]))
        let input = TokenEstimate.tokens(request: renderer.translation.chatRequest)
        #expect(response["usage"]?["input_tokens"]?.int == input)
        #expect(response["usage"]?["output_tokens"]?.int == TokenEstimate.tokens(characters: 15 + 1 + 2))
        #expect(response["usage"]?["total_tokens"]?.int == input + 5)
    }

    @Test("remember: the conversation and the answer as a chat assistant message, continued by previous_response_id")
    func remember() throws {
        let renderer = try renderer(["instructions": "I", "input": "q"])
        renderer.remember(Completion(toolCalls: [.init(id: "c", name: "f", arguments: "{}")], stopReason: .toolUse), in: history.scope(nil))
        #expect(history.messages(for: "resp_7").map(JSON.array)?.text == #"[{"role":"user","content":"q"},{"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{}"}}]}]"#)
        let next = try ResponsesRequestTranslator(history: history.scope(nil)).translate(
            ["previous_response_id": "resp_7", "input": [["type": "function_call_output", "call_id": "c", "output": "ok"]]], model: "m")
        #expect(next.chatRequest["messages"]?.array?.map { $0["role"]!.string! } == ["user", "assistant", "tool"])
    }

    @Test("remember: nothing with store: false, as the official API")
    func notStored() throws {
        try renderer(["input": "q", "store": false]).remember(Completion(text: "a"), in: history.scope(nil))
        #expect(history.count == 0)
    }
}
