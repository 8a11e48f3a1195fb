import Testing

@testable import Translation

@Suite("AnthropicTokenCounter")
struct AnthropicTokenCounterTests {
    @Test("counts system, messages and tools, not the model or other members")
    func counts() throws {
        let request = try JSONParser.parse(#"""
            {"model":"claude-a-very-long-model-name","max_tokens":5,"system":"abcd",
             "messages":[{"role":"user","content":"abcdefgh"}],"tools":[{"name":"abcd","input_schema":{}}]}
            """#)
        // 4 + "user" 4 + 8 + 4 = 20 characters → 5 tokens, plus 4 for the one message.
        #expect(AnthropicTokenCounter.response(for: request).text == #"{"input_tokens":9}"#)
    }

    @Test("an image counts as a fixed number of tokens, not as its base64 text")
    func images() throws {
        let data = String(repeating: "A", count: 400_000)
        let request = try JSONParser.parse(#"{"messages":[{"role":"user","content":[{"type":"image","source":{"type":"base64","media_type":"image/png","data":"\#(data)"}}]}]}"#)
        // "user" and "image": 9 characters → 3 tokens, 4 for the message, one image.
        #expect(AnthropicTokenCounter.inputTokens(of: request) == 3 + 4 + AnthropicTokenCounter.imageTokens)
    }
}
