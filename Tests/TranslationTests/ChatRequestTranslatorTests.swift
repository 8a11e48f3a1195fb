import Testing

@testable import Translation

@Suite("ChatRequestTranslator")
struct ChatRequestTranslatorTests {
    func translate(_ text: String) throws -> JSON {
        try ChatRequestTranslator.anthropicRequest(try JSONParser.parse(text), model: "claude-sonnet-4-5")
    }

    /// The error message for `text`, nil when it translates.
    func failure(_ text: String) -> String? {
        do {
            _ = try translate(text)
            return nil
        } catch {
            return (error as? TranslationError)?.message ?? "\(error)"
        }
    }

    @Test("a tool round trip with system, developer, grouped tool results, a merged user turn and images (golden, key order included)")
    func roundTrip() throws {
        let request = try translate(try Golden.text("chat-to-anthropic-round-trip.chat.json"))
        let expected = try JSONParser.parse(try Golden.text("chat-to-anthropic-round-trip.anthropic.json"))
        #expect(request.text == expected.text)
    }

    @Test("a minimal request gets the default max_tokens and block content")
    func minimal() throws {
        let request = try translate(#"{"model":"x","messages":[{"role":"user","content":"hi"}]}"#)
        #expect(request.text == #"{"model":"claude-sonnet-4-5","max_tokens":4096,"messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}]}"#)
        #expect(ChatRequestTranslator.defaultMaxTokens == 4096)
    }

    @Test("max_completion_tokens wins over max_tokens; max_tokens alone is used")
    func maxTokens() throws {
        let base = #""messages":[{"role":"user","content":"hi"}]"#
        #expect(try translate("{\(base),\"max_tokens\":50,\"max_completion_tokens\":60}")["max_tokens"] == 60)
        #expect(try translate("{\(base),\"max_tokens\":50}")["max_tokens"] == 50)
    }

    @Test("tool_choice variants", arguments: [
        (#""none""#, #"{"type":"none"}"#),
        (#""auto""#, #"{"type":"auto"}"#),
        (#""required""#, #"{"type":"any"}"#),
        (#"{"type":"function","function":{"name":"f"}}"#, #"{"type":"tool","name":"f"}"#),
    ])
    func toolChoice(choice: String, expected: String) throws {
        let tools = #""tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}]"#
        let request = try translate(#"{"messages":[{"role":"user","content":"hi"}],"# + tools + #","tool_choice":"# + choice + "}")
        #expect(request["tool_choice"]?.text == expected)
    }

    @Test("parallel_tool_calls false disables parallel use (an auto choice when none given, not on none, not without tools)")
    func parallel() throws {
        let tools = #""tools":[{"type":"function","function":{"name":"f"}}]"#
        let head = #"{"messages":[{"role":"user","content":"hi"}],"parallel_tool_calls":false"#
        #expect(try translate(head + "," + tools + "}")["tool_choice"]?.text == #"{"type":"auto","disable_parallel_tool_use":true}"#)
        #expect(try translate(head + "," + tools + #","tool_choice":"none"}"#)["tool_choice"]?.text == #"{"type":"none"}"#)
        #expect(try translate(head + "}")["tool_choice"] == nil)
    }

    @Test("stop as an array; consecutive assistant messages merge; empty content is dropped")
    func merging() throws {
        let request = try translate(#"""
            {"stop":["a","b"],"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"one"},
            {"role":"assistant","content":[{"type":"text","text":"two"},{"type":"refusal","refusal":"no"}]},{"role":"user","content":""},
            {"role":"user","content":"again"}]}
            """#)
        #expect(request["stop_sequences"] == ["a", "b"])
        #expect(request["messages"]?.text == #"[{"role":"user","content":[{"type":"text","text":"q"}]},{"role":"assistant","content":[{"type":"text","text":"one"},{"type":"text","text":"two"},{"type":"text","text":"no"}]},{"role":"user","content":[{"type":"text","text":"again"}]}]"#)
    }

    @Test("tool results after user text in one turn still come first; empty or missing arguments are an empty input")
    func resultsFirst() throws {
        let request = try translate(#"""
            {"messages":[{"role":"user","content":"q"},{"role":"assistant","tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":""}}]},
            {"role":"user","content":"by the way"},{"role":"tool","tool_call_id":"c","content":""}]}
            """#)
        #expect(request["messages"]?.text == #"[{"role":"user","content":[{"type":"text","text":"q"}]},{"role":"assistant","content":[{"type":"tool_use","id":"c","name":"f","input":{}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"c"},{"type":"text","text":"by the way"}]}]"#)
    }

    @Test("invalid requests name the field", arguments: [
        (#"[]"#, "the request body must be a JSON object"),
        (#"{"messages":[]}"#, "messages: required, a non-empty array"),
        (#"{"messages":[{"content":"x"}]}"#, "messages[0].role: required"),
        (#"{"messages":[{"role":"function","content":"x"}]}"#, "messages[0].role: unsupported role 'function'"),
        (#"{"messages":[{"role":"system","content":"x"}]}"#, "messages: no user or assistant message with content"),
        (#"{"messages":[{"role":"user","content":7}]}"#, "messages[0].content: must be a string or an array of parts"),
        (#"{"messages":[{"role":"user","content":[{"type":"input_audio"}]}]}"#, "messages[0].content[0]: unsupported part type 'input_audio'"),
        (#"{"messages":[{"role":"user","content":[{"text":"x"}]}]}"#, "messages[0].content[0].type: required"),
        (#"{"messages":[{"role":"system","content":[{"type":"image_url","image_url":{"url":"https://a/b.png"}}]},{"role":"user","content":"x"}]}"#,
         "messages[0].content[0]: a system message can hold only text parts"),
        (#"{"messages":[{"role":"developer","content":{"text":"x"}},{"role":"user","content":"x"}]}"#, "messages[0].content: must be a string or an array of text parts"),
        (#"{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"ftp://a/b.png"}}]}]}"#,
         "messages[0].content[0].image_url.url: only http(s) and data URLs are supported"),
        (#"{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png,abc"}}]}]}"#,
         "messages[0].content[0].image_url.url: a data URL must be base64 (data:<media type>;base64,<data>)"),
        (#"{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{}}]}]}"#, "messages[0].content[0].image_url.url: required"),
        (#"{"messages":[{"role":"user","content":"q"},{"role":"assistant","tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"[1]"}}]}]}"#,
         "messages[1].tool_calls[0].function.arguments: must be a JSON object"),
        (#"{"messages":[{"role":"user","content":"q"},{"role":"assistant","tool_calls":[{"id":"a","function":{"name":"f"}},{"id":"c","type":"function","function":{"name":"f","arguments":"{\"a\":"}}]}]}"#,
         "messages[1].tool_calls[1].function.arguments: not valid JSON (unexpected end of input at line 1, column 6)"),
        (#"{"messages":[{"role":"assistant","tool_calls":[{"type":"function","function":{"name":"f"}}]}]}"#, "messages[0].tool_calls[0].id: required"),
        (#"{"messages":[{"role":"assistant","tool_calls":[{"id":"c","type":"custom"}]}]}"#, "messages[0].tool_calls[0].type: unsupported tool call type 'custom'"),
        (#"{"messages":[{"role":"tool","content":"x"}]}"#, "messages[0].tool_call_id: required"),
        (#"{"messages":[{"role":"user","content":"q"}],"tools":[{"type":"web_search"}]}"#, "tools[0].type: unsupported tool type 'web_search'"),
        (#"{"messages":[{"role":"user","content":"q"}],"tools":[{"type":"function","function":{}}]}"#, "tools[0].function.name: required"),
        (#"{"messages":[{"role":"user","content":"q"}],"tool_choice":"sometimes"}"#, #"tool_choice: must be "none", "auto", "required" or a function"#),
        (#"{"messages":[{"role":"user","content":"q"}],"stop":["a",1]}"#, "stop[1]: must be a string"),
        (#"{"messages":[{"role":"user","content":"q"}],"max_tokens":0}"#, "max_tokens: must be a positive integer"),
        (#"{"messages":[{"role":"user","content":"q"}],"temperature":"hot"}"#, "temperature: must be a number"),
        (#"{"messages":[{"role":"user","content":"q"}],"n":2}"#, "n: only one choice is supported by this bridge"),
        (#"{"messages":[{"role":"user","content":"q"}],"response_format":{"type":"json_object"}}"#,
         "response_format: 'json_object' has no equivalent on an Anthropic bridge; send a json_schema format (Responses: text.format)"),
        (#"{"messages":[{"role":"user","content":"q"}],"response_format":{"type":"json_schema","json_schema":{"name":"x"}}}"#,
         "response_format.json_schema.schema: required, an object"),
    ])
    func invalid(text: String, message: String) {
        #expect(failure(text) == message)
    }

    @Test("response_format json_schema is Anthropic's output_config.format; text is nothing")
    func structuredOutput() throws {
        let schema = #"{"type":"object","properties":{"city":{"type":"string"}},"required":["city"],"additionalProperties":false}"#
        let request = try translate(#"{"messages":[{"role":"user","content":"q"}],"response_format":{"type":"json_schema","json_schema":{"name":"place","schema":\#(schema),"strict":true}}}"#)
        #expect(request["output_config"]?.text == #"{"format":{"type":"json_schema","schema":\#(schema)}}"#)
        #expect(try translate(#"{"messages":[{"role":"user","content":"q"}],"response_format":{"type":"text"}}"#)["output_config"] == nil)
    }
}
