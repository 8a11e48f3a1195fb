import Testing

@testable import Translation

@Suite("ResponsesRequestTranslator")
struct ResponsesRequestTranslatorTests {
    let history = ResponseHistory(capacity: 3)

    func translate(_ request: JSON) throws -> JSON {
        try ResponsesRequestTranslator(history: history.scope(nil)).translate(request, model: "m").chatRequest
    }

    func messages(_ input: JSON) throws -> String {
        try translate(["input": input])["messages"]?.text ?? ""
    }

    func error(_ request: JSON) -> TranslationError? {
        do {
            _ = try ResponsesRequestTranslator(history: history.scope(nil)).translate(request, model: "m")
            return nil
        } catch {
            return error
        }
    }

    @Test("a Codex CLI request, compared whole with its golden chat request (key order included)")
    func codexGolden() throws {
        let request = try JSONParser.parse(Golden.text("responses-to-chat-codex.responses.json"))
        let expected = try JSONParser.parse(Golden.text("responses-to-chat-codex.chat.json"))
        let translation = try ResponsesRequestTranslator(history: history.scope(nil)).translate(request, model: "qwen2.5-coder")
        #expect(translation.chatRequest.text == expected.text)
        #expect(translation.request == request)
        #expect(!translation.isStored)
        #expect(translation.conversation == Array(expected["messages"]!.array!.dropFirst()), "the instructions are not part of the conversation")
    }

    @Test("instructions come first; a string input is one user message")
    func stringInput() throws {
        let chat = try translate(["model": "gpt-5", "instructions": "Be brief.", "input": "Hi"])
        #expect(chat.text == #"{"model":"m","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"}]}"#)
    }

    @Test("message items: roles, items without a type, text parts joined, refusal as text")
    func messageItems() throws {
        #expect(try messages([
            ["role": "system", "content": [["type": "input_text", "text": "a"], ["type": "input_text", "text": "b"]]],
            ["type": "message", "role": "developer", "content": "d"],
            ["role": "user", "content": [["type": "input_text", "text": "q"]]],
            ["type": "message", "role": "assistant", "content": [["type": "output_text", "text": "x"], ["type": "refusal", "refusal": "no"]]],
        ]) == #"[{"role":"system","content":"ab"},{"role":"system","content":"d"},{"role":"user","content":"q"},{"role":"assistant","content":"xno"}]"#)
    }

    @Test("an image keeps the user content as parts; detail is passed on when given")
    func images() throws {
        #expect(try messages([["role": "user", "content": [
            ["type": "input_text", "text": "see"], ["type": "input_image", "image_url": "https://x/a.png"],
        ]]]) == #"[{"role":"user","content":[{"type":"text","text":"see"},{"type":"image_url","image_url":{"url":"https://x/a.png"}}]}]"#)
    }

    @Test("function calls: a lone call opens an assistant message with null content")
    func loneCall() throws {
        #expect(try messages([
            ["role": "user", "content": "go"],
            ["type": "function_call", "call_id": "c1", "name": "f", "arguments": "{}"],
            ["type": "function_call_output", "call_id": "c1", "output": "ok"],
        ]) == #"[{"role":"user","content":"go"},{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]},{"role":"tool","tool_call_id":"c1","content":"ok"}]"#)
    }

    @Test("consecutive calls are one message, merged into the assistant text before them; reasoning between does not split")
    func grouping() throws {
        let chat = try translate(["input": [
            ["role": "assistant", "content": "t"],
            ["type": "reasoning", "summary": []],
            ["type": "function_call", "call_id": "c1", "name": "f", "arguments": "{}"],
            ["type": "reasoning", "summary": []],
            ["type": "function_call", "call_id": "c2", "name": "g", "arguments": ["x": 1]],
            ["type": "function_call_output", "call_id": "c1", "output": "1"],
            ["type": "function_call_output", "call_id": "c2", "output": "2"],
            ["type": "function_call", "call_id": "c3", "name": "h", "arguments": "{}"],
        ]])
        let messages = chat["messages"]!.array!
        #expect(messages.count == 4)
        #expect(messages[0]["content"] == "t")
        #expect(messages[0]["tool_calls"]?.array?.map { $0["id"]!.string! } == ["c1", "c2"])
        #expect(messages[0]["tool_calls"]?.array?[1]["function"]?["arguments"] == #"{"x":1}"#, "object arguments as text")
        #expect(messages[1]["role"] == "tool" && messages[2]["tool_call_id"] == "c2")
        #expect(messages[3].text == #"{"role":"assistant","content":null,"tool_calls":[{"id":"c3","type":"function","function":{"name":"h","arguments":"{}"}}]}"#,
                "a call after tool results opens a new assistant message")
    }

    @Test("options: function tool_choice, json_object, nulls as absent, no tool settings without tools, no stream unless asked")
    func options() throws {
        let withTools = try translate([
            "input": "x", "tools": [["type": "function", "name": "f"]], "tool_choice": ["type": "function", "name": "f"],
            "text": ["format": ["type": "json_object"]], "temperature": nil, "stream": false,
        ])
        #expect(withTools.text == #"{"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":{"type":"function","function":{"name":"f"}},"response_format":{"type":"json_object"}}"#)
        let withoutTools = try translate([
            "input": "x", "tools": [], "tool_choice": "required", "parallel_tool_calls": false, "text": ["format": ["type": "text"]],
        ])
        #expect(withoutTools.text == #"{"model":"m","messages":[{"role":"user","content":"x"}]}"#)
    }

    @Test("requests that cannot be translated name the field", arguments: [
        (JSON.array([]), "request body: expected a JSON object"),
        (["model": "x"], "input: missing"),
        (["input": 5], "input: expected a string or an array of items"),
        (["input": ["hi"]], "input[0]: expected an object"),
        (["input": [["content": "x"]]], "input[0].type: missing"),
        (["input": [["type": "item_reference", "id": "msg_1"]]], "input[0].type: unsupported item type 'item_reference'"),
        (["input": [["role": "user", "content": "a"], ["type": "local_shell_call"]]], "input[1].type: unsupported item type 'local_shell_call'"),
        (["input": [["role": "tool", "content": "x"]]], "input[0].role: unknown role 'tool'"),
        (["input": [["type": "message", "content": "x"]]], "input[0].role: missing"),
        (["input": [["role": "user"]]], "input[0].content: expected a string or an array of content parts"),
        (["input": [["role": "user", "content": [["type": "input_audio"]]]]], "input[0].content[0].type: unknown content type 'input_audio'"),
        (["input": [["role": "user", "content": [["text": "x"]]]]], "input[0].content[0].type: missing"),
        (["input": [["role": "user", "content": [["type": "input_text"]]]]], "input[0].content[0].text: missing"),
        (["input": [["role": "user", "content": [["type": "input_image", "file_id": "file-1"]]]]],
         "input[0].content[0].file_id: uploaded files are not supported by this gateway; send image_url (a URL or a data URL)"),
        (["input": [["role": "user", "content": [["type": "input_image"]]]]], "input[0].content[0].image_url: missing"),
        (["input": [["role": "user", "content": [["type": "input_file", "file_data": "x"]]]]], "input[0].content[0]: file inputs are not supported by this gateway"),
        (["input": [["role": "assistant", "content": [["type": "input_image", "image_url": "u"]]]]], "input[0].content[0]: images are only supported in user messages"),
        (["input": [["type": "function_call", "name": "f", "arguments": "{}"]]], "input[0].call_id: missing"),
        (["input": [["type": "function_call", "call_id": "c", "arguments": "{}"]]], "input[0].name: missing"),
        (["input": [["type": "function_call", "call_id": "c", "name": "f"]]], "input[0].arguments: expected the arguments as JSON text"),
        (["input": [["type": "function_call_output", "output": "x"]]], "input[0].call_id: missing"),
        (["input": [["type": "function_call_output", "call_id": "c", "output": [["type": "input_image", "image_url": "u"]]]]],
         "input[0].output[0]: images are only supported in user messages"),
        (["input": "x", "instructions": ["a"]], "instructions: expected a string"),
        (["input": "x", "conversation": "conv_1"], "conversation: the Conversations API is not supported by this gateway; send the input items, or previous_response_id"),
        (["input": "x", "tools": ["type": "function"]], "tools: expected an array"),
        (["input": "x", "tools": [["type": "function", "name": "f"], ["type": "web_search"]]],
         "tools[1].type: 'web_search' tools are not supported by this gateway, only function tools"),
        (["input": "x", "tools": [["type": "function"]]], "tools[0].name: missing"),
        (["input": "x", "tools": [["name": "f"]]], "tools[0].type: missing"),
        (["input": "x", "tools": [["type": "function", "name": "f"]], "tool_choice": "any"], "tool_choice: unknown value 'any'"),
        (["input": "x", "tools": [["type": "function", "name": "f"]], "tool_choice": ["type": "file_search"]],
         "tool_choice.type: 'file_search' is not supported by this gateway, only function"),
        (["input": "x", "tools": [["type": "function", "name": "f"]], "tool_choice": ["type": "function"]], "tool_choice.name: missing"),
        (["input": "x", "tools": [["type": "function", "name": "f"]], "parallel_tool_calls": "yes"], "parallel_tool_calls: expected a boolean"),
        (["input": "x", "tool_choice": "any"], "tool_choice: unknown value 'any'"),
        (["input": "x", "max_output_tokens": 0], "max_output_tokens: expected a positive integer"),
        (["input": "x", "max_output_tokens": 1.5], "max_output_tokens: expected a positive integer"),
        (["input": "x", "temperature": "hot"], "temperature: expected a number"),
        (["input": "x", "top_p": true], "top_p: expected a number"),
        (["input": "x", "user": 7], "user: expected a string"),
        (["input": "x", "stream": "yes"], "stream: expected a boolean"),
        (["input": "x", "text": ["format": ["type": "xml"]]], "text.format.type: unknown format 'xml'"),
        (["input": "x", "text": ["format": ["name": "a"]]], "text.format.type: missing"),
        (["input": "x", "text": ["format": ["type": "json_schema", "schema": [:]]]], "text.format.name: missing"),
        (["input": "x", "text": ["format": ["type": "json_schema", "name": "a"]]], "text.format.schema: expected an object"),
        (["input": "x", "previous_response_id": 3], "previous_response_id: expected a string"),
    ] as [(JSON, String)])
    func validation(request: JSON, message: String) {
        let error = error(request)
        #expect(error?.message == message)
        #expect(error?.code == "invalid_request")
    }

    @Test("previous_response_id: the remembered conversation follows this request's instructions and precedes its input")
    func previousResponse() throws {
        let earlier: [JSON] = [["role": "user", "content": "a"], ["role": "assistant", "content": "b"]]
        history.record(earlier, for: "resp_1")
        let translation = try ResponsesRequestTranslator(history: history.scope(nil)).translate(
            ["instructions": "new", "previous_response_id": "resp_1", "input": "c"], model: "m")
        #expect(translation.chatRequest["messages"]?.text
            == #"[{"role":"system","content":"new"},{"role":"user","content":"a"},{"role":"assistant","content":"b"},{"role":"user","content":"c"}]"#)
        #expect(translation.conversation == earlier + [["role": "user", "content": "c"]])
    }

    @Test("previous_response_id: an unknown id is previous_response_not_found, saying what the gateway keeps")
    func unknownPreviousResponse() {
        let error = error(["previous_response_id": "resp_gone", "input": "x"])
        #expect(error?.code == "previous_response_not_found")
        #expect(error?.message == "previous_response_id: response 'resp_gone' not found; this gateway keeps only its client key's last responses (at most 3), in memory (none across restarts); send the whole conversation as input instead")
    }

    @Test("previous_response_id: past capacity the least recently used response is forgotten")
    func eviction() throws {
        for id in ["r1", "r2", "r3"] { history.record([["role": "user", "content": .string(id)]], for: id) }
        _ = try translate(["previous_response_id": "r1", "input": "x"])  // r1 is now the most recently used
        history.record([], for: "r4")
        #expect(history.count == 3)
        #expect(error(["previous_response_id": "r2", "input": "x"])?.code == "previous_response_not_found")
        for id in ["r1", "r3", "r4"] { #expect(error(["previous_response_id": .string(id), "input": "x"]) == nil, "\(id) kept") }
    }

    @Test("previous_response_id: a response belongs to its client key; another key's id is not found")
    func scopedToTheKey() throws {
        history.record([["role": "user", "content": "alice's secret"]], for: "resp_a", owner: "alice")
        let mallory = ResponsesRequestTranslator(history: history.scope("mallory"))
        #expect(throws: TranslationError.self) { try mallory.translate(["previous_response_id": "resp_a", "input": "x"], model: "m") }
        #expect(throws: TranslationError.self) {
            try ResponsesRequestTranslator(history: history.scope(nil)).translate(["previous_response_id": "resp_a", "input": "x"], model: "m")
        }
        let alice = try ResponsesRequestTranslator(history: history.scope("alice")).translate(["previous_response_id": "resp_a", "input": "x"], model: "m")
        #expect(alice.chatRequest["messages"]?.array?.first?["content"]?.string == "alice's secret")
    }

    @Test("the history is capped in bytes: the least recently used go first, and one too large is not kept")
    func byteCap() {
        let history = ResponseHistory(capacity: 100, maxBytes: 100)
        let message: JSON = ["role": "user", "content": .string(String(repeating: "x", count: 30))]  // 58 bytes as JSON
        history.record([message], for: "r1")
        history.record([message], for: "r2")
        #expect(history.messages(for: "r1") == nil)
        #expect(history.messages(for: "r2") != nil)
        history.record([message, message], for: "big")
        #expect(history.count == 0)
    }
}
