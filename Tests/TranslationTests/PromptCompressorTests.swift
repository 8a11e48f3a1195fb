import Testing

@testable import Translation

@Suite("PromptCompressor")
struct PromptCompressorTests {
    let compressor = PromptCompressor()
    /// A 398-character context block.
    let block = (1...7).map { "Fact \($0): the gateway keeps the key order of every object." }.joined(separator: "\n")
    let marker = PromptCompressor.duplicateMarker

    func parse(_ text: String) throws -> JSON { try JSONParser.parse(text) }

    /// Compresses `request`, checks that a second compression changes nothing, and returns the first result.
    func compress(_ request: JSON) -> (request: JSON, report: CompressionReport) {
        let first = compressor.compress(request)
        let second = compressor.compress(first.request)
        #expect(second.request.text == first.request.text, "compressing twice changes nothing the second time")
        #expect(second.report == CompressionReport(operations: 0, tokensSaved: 0))
        return first
    }

    @Test("a request with nothing to compress comes back equal with a zero report, in both dialects")
    func nothingToCompress() throws {
        let chat = try parse(#"""
            {"model":"m","messages":[{"role":"system","content":"Be brief."},
            {"role":"user","content":[{"type":"text","text":"Line one\n\nLine two"},{"type":"image_url","image_url":{"url":"https://x/a.png"}}]}],
            "tools":[{"type":"function","function":{"name":"f","description":"Finds  things","parameters":{"type":"object"}}}],"stream":true}
            """#)
        let anthropic = try parse(#"""
            {"model":"m","max_tokens":10,"system":[{"type":"text","text":"Be brief.","cache_control":{"type":"ephemeral"}}],
            "messages":[{"role":"user","content":"Hello there"}]}
            """#)
        for request in [chat, anthropic, ["model": "m"], [1, 2], "text", nil] as [JSON] {
            let result = compress(request)
            #expect(result.request.text == request.text)
            #expect(result.report == CompressionReport(operations: 0, tokensSaved: 0))
        }
    }

    @Test("OpenAI chat: system, developer and user texts are tidied; assistant, tool calls, tool turns and images are not")
    func chat() throws {
        let request = try parse(#"""
            {"model":"m","messages":[
            {"role":"system","content":"Be  brief."},
            {"role":"developer","content":"Answer   in English.  "},
            {"role":"user","content":[{"type":"text","text":"Look  here"},{"type":"image_url","image_url":{"url":"data:a  b"}}]},
            {"role":"assistant","content":"Sure,  looking.","tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{\"q\":  \"a  b\"}"}}]},
            {"role":"assistant","content":[{"type":"text","text":"More  text."}]},
            {"role":"tool","tool_call_id":"c","content":"result   text"},
            {"role":"user","content":"Thanks  \n\n\n\nbye"}]}
            """#)
        var expected = request
        expected["messages"] = try parse(#"""
            [{"role":"system","content":"Be brief."},
            {"role":"developer","content":"Answer in English."},
            {"role":"user","content":[{"type":"text","text":"Look here"},{"type":"image_url","image_url":{"url":"data:a  b"}}]},
            {"role":"assistant","content":"Sure,  looking.","tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{\"q\":  \"a  b\"}"}}]},
            {"role":"assistant","content":[{"type":"text","text":"More  text."}]},
            {"role":"tool","tool_call_id":"c","content":"result   text"},
            {"role":"user","content":"Thanks\n\nbye"}]
            """#)
        let result = compress(request)
        #expect(result.request.text == expected.text)
        // 1 + 4 + 1 + 4 characters removed, in four texts.
        #expect(result.report == CompressionReport(operations: 4, tokensSaved: TokenEstimate.tokens(characters: 10)))
        #expect(result.report.tokensSaved == 3)
    }

    @Test("Anthropic Messages: system blocks and user text blocks are tidied; assistant, tool_use, tool_result and images are not")
    func anthropic() throws {
        let request = try parse(#"""
            {"model":"m","max_tokens":100,"system":[{"type":"text","text":"Rules:   be  kind.","cache_control":{"type":"ephemeral"}}],
            "messages":[
            {"role":"user","content":"Hi  there"},
            {"role":"assistant","content":[{"type":"text","text":"Let  me  check."},{"type":"tool_use","id":"t","name":"f","input":{"q":"a  b"}}]},
            {"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":[{"type":"text","text":"x   y"}]},
            {"type":"tool_result","tool_use_id":"t2","content":"p  q"},
            {"type":"image","source":{"type":"base64","media_type":"image/png","data":"AA  AA"}},
            {"type":"text","text":"What  now?"}]}]}
            """#)
        var expected = request
        expected["system"] = [["type": "text", "text": "Rules: be kind.", "cache_control": ["type": "ephemeral"]]]
        expected["messages"] = try parse(#"""
            [{"role":"user","content":"Hi there"},
            {"role":"assistant","content":[{"type":"text","text":"Let  me  check."},{"type":"tool_use","id":"t","name":"f","input":{"q":"a  b"}}]},
            {"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":[{"type":"text","text":"x   y"}]},
            {"type":"tool_result","tool_use_id":"t2","content":"p  q"},
            {"type":"image","source":{"type":"base64","media_type":"image/png","data":"AA  AA"}},
            {"type":"text","text":"What now?"}]}]
            """#)
        let result = compress(request)
        #expect(result.request.text == expected.text)
        #expect(result.report == CompressionReport(operations: 3, tokensSaved: TokenEstimate.tokens(characters: 3 + 1 + 1)))
        #expect(result.report.tokensSaved == 2)
    }

    @Test("Anthropic: a system string is tidied")
    func anthropicSystemString() {
        let request: JSON = ["model": "m", "system": "You  are  helpful.", "messages": [["role": "user", "content": "Hi"]]]
        let result = compress(request)
        #expect(result.request["system"] == "You are helpful.")
        #expect(result.report == CompressionReport(operations: 1, tokensSaved: 1))
    }

    @Test("JSON and code texts are left as they are, fences and inline code inside prose too")
    func codeUntouched() {
        let texts: [JSON] = [
            #"{"a":  1,   "b":  [1,  2]}"#, "#!/bin/sh\necho   hi", "x  = 1;\ny  = 2;",
            "Run `make  all`\n```\nmake   all\n```",
        ]
        let request: JSON = ["messages": .array(texts.map { ["role": "user", "content": $0] })]
        let result = compress(request)
        #expect(result.request == request)
        #expect(result.report == CompressionReport(operations: 0, tokensSaved: 0))
    }

    @Test("a repeated block in user and system turns is replaced by the marker, in both dialects")
    func duplicates() throws {
        #expect(block.count == 398)
        let chat: JSON = ["model": "m", "messages": [
            ["role": "system", "content": .string(block)],
            ["role": "user", "content": "question one"],
            ["role": "user", "content": [["type": "text", "text": .string(block)], ["type": "text", "text": "and  more"]]],
            ["role": "user", "content": .string(block)],
        ]]
        let result = compress(chat)
        #expect(result.request["messages"]?.array?[0]["content"]?.string == block)
        #expect(result.request["messages"]?.array?[2]["content"] == [["type": "text", "text": .string(marker)], ["type": "text", "text": "and more"]])
        #expect(result.request["messages"]?.array?[3]["content"]?.string == marker)
        // Two duplicates (398 - 40 characters each) and one tidied text (1 character).
        #expect(result.report == CompressionReport(operations: 3, tokensSaved: TokenEstimate.tokens(characters: 2 * (398 - 40) + 1)))
        #expect(result.report.tokensSaved == 180)

        let anthropic: JSON = ["model": "m", "system": .string(block), "messages": [
            ["role": "user", "content": [["type": "text", "text": .string(block)]]],
        ]]
        let second = compress(anthropic)
        #expect(second.request["system"]?.string == block)
        #expect(second.request["messages"]?.array?[0]["content"] == [["type": "text", "text": .string(marker)]])
        #expect(second.report == CompressionReport(operations: 1, tokensSaved: 90))
    }

    @Test("blocks that differ only in collapsible whitespace are duplicates once tidied")
    func duplicatesAfterTidying() {
        let spaced = block.replacing("the gateway", with: "the  gateway")
        #expect(spaced.count == 405)
        let request: JSON = ["messages": [["role": "user", "content": .string(spaced)], ["role": "user", "content": .string(block)]]]
        let result = compress(request)
        #expect(result.request["messages"] == [["role": "user", "content": .string(block)], ["role": "user", "content": .string(marker)]])
        #expect(result.report == CompressionReport(operations: 2, tokensSaved: TokenEstimate.tokens(characters: 7 + 398 - 40)))
    }

    @Test("assistant texts, tool results, JSON and short texts are never replaced nor count as the earlier block")
    func duplicatesNotReplaced() {
        let json = "[" + (1...80).map(String.init).joined(separator: ", ") + "]"
        let short = String(repeating: "a", count: 255)
        let request: JSON = ["messages": [
            ["role": "assistant", "content": .string(block)],
            ["role": "user", "content": [["type": "tool_result", "tool_use_id": "t", "content": .string(block)]]],
            ["role": "tool", "tool_call_id": "c", "content": .string(block)],
            ["role": "user", "content": .string(json)],
            ["role": "user", "content": .string(json)],
            ["role": "user", "content": .string(short)],
            ["role": "user", "content": .string(short)],
            ["role": "user", "content": .string(block)],
            ["role": "assistant", "content": .string(block)],
            ["role": "tool", "tool_call_id": "c", "content": .string(block)],
        ]]
        #expect(json.count >= 256)
        let result = compress(request)
        #expect(result.request == request)
        #expect(result.report == CompressionReport(operations: 0, tokensSaved: 0))
    }

    @Test("the shortest duplicate replaced is 256 characters, and the marker is always shorter")
    func threshold() {
        #expect(marker == "[identical to an earlier block; omitted]")
        #expect(marker.count < PromptCompressor.minimumDuplicateLength)
        for (length, replaced) in [(255, false), (256, true)] {
            let text = JSON.string(String(repeating: "a", count: length))
            let result = compress(["messages": [["role": "user", "content": text], ["role": "user", "content": text]]])
            #expect(result.request["messages"]?.array?[1]["content"] == (replaced ? .string(marker) : text))
            #expect(result.report.operations == (replaced ? 1 : 0))
            #expect(result.report.tokensSaved == (replaced ? TokenEstimate.tokens(characters: 256 - 40) : 0))
        }
    }

    @Test("golden requests compared whole: Golden/NAME.request.json compresses to Golden/NAME.compressed.json", arguments: [
        ("compress-chat", CompressionReport(operations: 5, tokensSaved: 63)),
        ("compress-anthropic", CompressionReport(operations: 5, tokensSaved: 64)),
    ])
    func golden(name: String, report: CompressionReport) throws {
        let request = try parse(try Golden.text("\(name).request.json"))
        let expected = try parse(try Golden.text("\(name).compressed.json"))
        let result = compress(request)
        #expect(result.request.text == expected.text)
        #expect(result.report == report)
    }
}
