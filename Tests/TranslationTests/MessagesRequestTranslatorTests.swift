import Testing

@testable import Translation

@Suite("MessagesRequestTranslator")
struct MessagesRequestTranslatorTests {
    let translator = MessagesRequestTranslator(model: "qwen3-coder")

    /// The translated body's messages, as compact JSON text each.
    func messages(_ request: String) throws -> [String] {
        try translator.translate(JSONParser.parse(request))["messages"]?.array?.map(\.text) ?? []
    }

    /// The message of the error translating `request`.
    func failure(_ request: String) throws -> String? {
        let json = try JSONParser.parse(request)
        do {
            _ = try translator.translate(json)
            return nil
        } catch {
            return error.message
        }
    }

    @Test("golden: a Claude Code style request, key order included")
    func golden() throws {
        let request = try JSONParser.parse(Golden.text("anthropic-to-chat-request.client.json"))
        let expected = try JSONParser.parse(Golden.text("anthropic-to-chat-request.upstream.json"))
        #expect(try translator.translate(request).text == expected.text)
    }

    @Test("tool_use then tool_result: the call and its result round trip by id")
    func toolRoundTrip() throws {
        let result = try messages(#"""
            {"max_tokens":10,"messages":[
             {"role":"user","content":"weather?"},
             {"role":"assistant","content":[{"type":"thinking","thinking":"hm","signature":"s"},{"type":"text","text":"Checking."},
              {"type":"tool_use","id":"toolu_1","name":"get","input":{"city":"Paris","n":[1,2]}}]},
             {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"sunny"}]}]}
            """#)
        #expect(result == [
            #"{"role":"user","content":"weather?"}"#,
            #"{"role":"assistant","content":"Checking.","tool_calls":[{"id":"toolu_1","type":"function","function":{"name":"get","arguments":"{\"city\":\"Paris\",\"n\":[1,2]}"}}]}"#,
            #"{"role":"tool","tool_call_id":"toolu_1","content":"sunny"}"#,
        ])
    }

    @Test("all of a turn's tool results come first, in order, then its other content; errors and text blocks")
    func toolResultOrder() throws {
        let result = try messages(#"""
            {"max_tokens":10,"messages":[
             {"role":"assistant","content":[{"type":"tool_use","id":"a","name":"f","input":{}},{"type":"tool_use","id":"b","name":"g","input":{}}]},
             {"role":"user","content":[{"type":"text","text":"before"},
              {"type":"tool_result","tool_use_id":"a","content":[{"type":"text","text":"one"},{"type":"text","text":"two"}]},
              {"type":"text","text":"between"},
              {"type":"tool_result","tool_use_id":"b","is_error":true,"content":"boom"}]}]}
            """#)
        #expect(result == [
            #"{"role":"assistant","content":null,"tool_calls":[{"id":"a","type":"function","function":{"name":"f","arguments":"{}"}},{"id":"b","type":"function","function":{"name":"g","arguments":"{}"}}]}"#,
            #"{"role":"tool","tool_call_id":"a","content":"one\ntwo"}"#,
            #"{"role":"tool","tool_call_id":"b","content":"Error: boom"}"#,
            #"{"role":"user","content":[{"type":"text","text":"before"},{"type":"text","text":"between"}]}"#,
        ])
    }

    @Test("images: base64 as a data URL, url as is; a tool result's images follow in the user message")
    func images() throws {
        let result = try messages(#"""
            {"max_tokens":10,"messages":[{"role":"user","content":[
             {"type":"tool_result","tool_use_id":"t","content":[{"type":"text","text":"shot"},{"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBO"}}]},
             {"type":"image","source":{"type":"url","url":"https://example.com/a.jpg"}},
             {"type":"text","text":"what is it?"}]}]}
            """#)
        #expect(result == [
            #"{"role":"tool","tool_call_id":"t","content":"shot"}"#,
            #"{"role":"user","content":[{"type":"text","text":"Image from tool call t:"},{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBO"}},{"type":"image_url","image_url":{"url":"https://example.com/a.jpg"}},{"type":"text","text":"what is it?"}]}"#,
        ])
    }

    @Test("unparsed arguments kept by the renderer go back as their original text")
    func unparsedArguments() throws {
        let result = try messages(#"""
            {"max_tokens":10,"messages":[{"role":"assistant","content":[{"type":"tool_use","id":"a","name":"f","input":{"_unparsed_arguments":"{\"x\":"}}]}]}
            """#)
        #expect(result == [#"{"role":"assistant","content":null,"tool_calls":[{"id":"a","type":"function","function":{"name":"f","arguments":"{\"x\":"}}]}"#])
    }

    @Test("tool_choice variants", arguments: [
        (#"{"type":"auto"}"#, #""auto""#, nil),
        (#"{"type":"any"}"#, #""required""#, nil),
        (#"{"type":"none"}"#, #""none""#, nil),
        (#"{"type":"tool","name":"get"}"#, #"{"type":"function","function":{"name":"get"}}"#, nil),
        (#"{"type":"auto","disable_parallel_tool_use":true}"#, #""auto""#, "false"),
    ] as [(String, String, String?)])
    func toolChoice(choice: String, expected: String, parallel: String?) throws {
        let request = try JSONParser.parse(#"{"max_tokens":1,"messages":[{"role":"user","content":"x"}],"tool_choice":"# + choice + "}")
        let chat = try translator.translate(request)
        #expect(chat["tool_choice"]?.text == expected)
        #expect(chat["parallel_tool_calls"]?.text == parallel)
    }

    @Test("sampling, stop sequences, user, stream; top_k and thinking dropped")
    func parameters() throws {
        let chat = try translator.translate(JSONParser.parse(#"""
            {"model":"claude-x","max_tokens":100,"messages":[{"role":"user","content":"x"}],"system":"be brief",
             "stop_sequences":["END","STOP"],"temperature":0.5,"top_p":0.9,"top_k":40,"metadata":{"user_id":"u1"},
             "thinking":{"type":"enabled","budget_tokens":1000},"stream":true}
            """#))
        #expect(chat.text == #"{"model":"qwen3-coder","messages":[{"role":"system","content":"be brief"},{"role":"user","content":"x"}],"max_tokens":100,"stop":["END","STOP"],"temperature":0.5,"top_p":0.9,"user":"u1","stream":true,"stream_options":{"include_usage":true}}"#)
        #expect(try MessagesRequestTranslator.stopSequences(in: JSONParser.parse(#"{"stop_sequences":["END"]}"#)) == ["END"])
    }

    @Test("validation errors name the field", arguments: [
        (#"{"max_tokens":1}"#, "messages: required, a non-empty array"),
        (#"{"max_tokens":1,"messages":[]}"#, "messages: required, a non-empty array"),
        (#"{"messages":[{"role":"user","content":"x"}]}"#, "max_tokens: required, a positive integer"),
        (#"{"max_tokens":0,"messages":[{"role":"user","content":"x"}]}"#, "max_tokens: required, a positive integer"),
        (#"{"max_tokens":1.5,"messages":[{"role":"user","content":"x"}]}"#, "max_tokens: required, a positive integer"),
        (#"{"max_tokens":1,"messages":[{"role":"system","content":"x"}]}"#, "messages[0].role: must be 'user' or 'assistant', not 'system'"),
        (#"{"max_tokens":1,"messages":[{"role":"user","content":[{"type":"audio"}]}]}"#, "messages[0].content[0]: unknown block type 'audio' in a user message"),
        (#"{"max_tokens":1,"messages":[{"role":"user","content":[{"text":"x"}]}]}"#, "messages[0].content[0]: must be a content block with a 'type'"),
        (#"{"max_tokens":1,"messages":[{"role":"user","content":5}]}"#, "messages[0].content: must be a string or an array of content blocks"),
        (#"{"max_tokens":1,"messages":[{"role":"user","content":[{"type":"tool_result","content":"x"}]}]}"#, "messages[0].content[0].tool_use_id: required, a string"),
        (#"{"max_tokens":1,"messages":[{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":[{"type":"document"}]}]}]}"#, "messages[0].content[0].content[0]: unknown block type 'document' in a tool result"),
        (#"{"max_tokens":1,"messages":[{"role":"assistant","content":[{"type":"tool_result","tool_use_id":"t"}]}]}"#, "messages[0].content[0]: unknown block type 'tool_result' in an assistant message"),
        (#"{"max_tokens":1,"messages":[{"role":"assistant","content":[{"type":"tool_use","id":"a","name":"f","input":[1]}]}]}"#, "messages[0].content[0].input: must be an object"),
        (#"{"max_tokens":1,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"file","file_id":"f"}}]}]}"#, "messages[0].content[0].source.type: unsupported image source 'file'"),
        (#"{"max_tokens":1,"messages":[{"role":"user","content":"x"}],"system":[{"type":"image"}]}"#, "system[0]: must be a text block"),
        (#"{"max_tokens":1,"messages":[{"role":"user","content":"x"}],"tools":[{"name":"f"}]}"#, "tools[0].input_schema: required, an object"),
        (#"{"max_tokens":1,"messages":[{"role":"user","content":"x"}],"tools":[{"type":"web_search_20250305","name":"web_search"}]}"#, "tools[0].type: unsupported tool type 'web_search_20250305' (only client tools translate)"),
        (#"{"max_tokens":1,"messages":[{"role":"user","content":"x"}],"tool_choice":{"type":"tool"}}"#, "tool_choice.name: required, a string"),
        (#"{"max_tokens":1,"messages":[{"role":"user","content":"x"}],"tool_choice":{"type":"maybe"}}"#, "tool_choice.type: unknown type 'maybe'"),
        (#"{"max_tokens":1,"messages":[{"role":"user","content":"x"}],"stop_sequences":"END"}"#, "stop_sequences: must be an array of strings"),
        (#"{"max_tokens":1,"messages":[{"role":"user","content":"x"}],"stream":"yes"}"#, "stream: must be a boolean"),
        (#"[1]"#, "the request body must be a JSON object"),
    ])
    func validation(request: String, message: String) throws {
        #expect(try failure(request) == message)
    }

    @Test("structured output: output_config.format (and the beta's output_format) is response_format json_schema; effort is reasoning_effort; the rest is refused, never dropped")
    func structuredOutput() throws {
        let schema = #"{"type":"object","properties":{"city":{"type":"string"}},"required":["city"],"additionalProperties":false}"#
        let base = #""model":"m","max_tokens":10,"messages":[{"role":"user","content":"q"}]"#
        let expected = #"{"type":"json_schema","json_schema":{"name":"output","schema":\#(schema),"strict":true}}"#
        let ga = try translator.translate(JSONParser.parse(#"{\#(base),"output_config":{"format":{"type":"json_schema","schema":\#(schema)},"effort":"low"}}"#))
        #expect(ga["response_format"]?.text == expected)
        #expect(ga["reasoning_effort"]?.string == "low")
        let beta = try translator.translate(JSONParser.parse(#"{\#(base),"output_format":{"type":"json_schema","schema":\#(schema)}}"#))
        #expect(beta["response_format"]?.text == expected)
        #expect(try failure(#"{\#(base),"output_config":{"format":{"type":"regex"}}}"#)
            == #"output_config.format: only {"type": "json_schema", "schema": {…}} translates to an OpenAI chat bridge"#)
        #expect(try failure(#"{\#(base),"output_config":{"verbosity":"low"}}"#) == "output_config.verbosity: has no OpenAI chat equivalent")
        #expect(try failure(#"{\#(base),"output_config":{"effort":"max"}}"#) == "output_config.effort: only low, medium or high translate to an OpenAI chat bridge")
    }
}
