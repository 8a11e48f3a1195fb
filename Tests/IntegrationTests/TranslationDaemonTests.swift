import Foundation
import Store
import Testing
import TestSupport

/// The built binary's gateway translating between dialects, used through the official SDKs:
/// Anthropic Messages and the Responses API over an OpenAI-chat bridge, chat completions over an
/// Anthropic bridge, and Anthropic Messages passed through to an Anthropic bridge.
@Suite("bridgekeeper gateway translation", .serialized)
struct TranslationDaemonTests {
    typealias Daemon = GatewayDaemonTests.Daemon
    static let key = GatewayDaemonTests.secret

    /// Runs `script` after `gateway_anthropic_prelude.py` (a client for the gateway, `out = {}`),
    /// then prints `out`; returns it.
    static func anthropic(_ daemon: Daemon, _ script: String) throws -> [String: Any] {
        let result = try PythonClient.run(
            PythonClient.script(named: "gateway_anthropic_prelude") + script + "\nprint(json.dumps(out))",
            environment: ["GATEWAY_PORT": "\(daemon.gateway)", "GATEWAY_KEY": key], timeout: .seconds(60))
        guard result.status == 0 else { throw TestClient.Failure("python failed: \(result)") }
        return try result.jsonObject()
    }

    static func openAI(_ daemon: Daemon, _ script: String) throws -> [String: Any] {
        try GatewayDaemonTests.python(daemon, "out = {}\n" + script + "\nprint(json.dumps(out))")
    }

    static func words(_ text: String) -> Int { FakeBridge.Usage.words(text) }

    /// The ledger after a clean shutdown (which flushes it).
    static func ledger(_ daemon: Daemon) throws -> [RequestRecord] {
        daemon.stop()
        return try Store(directory: daemon.state).requests(matching: RequestFilter(), limit: 100, offset: 0).reversed()
    }

    @Test("Anthropic SDK over an OpenAI-chat bridge: plain, streamed, tool use whole and streamed, parallel calls, a tool_result round trip, count_tokens, 404 in dialect")
    func messagesOverChat() throws {
        let bridge = try FakeOpenAIBridge(models: ["gpt-test"])
        let daemon = try GatewayDaemonTests.start(bridges: [("codex", bridge.url)], routes: ["codex"])
        defer { daemon.stop() }
        let out = try Self.anthropic(daemon, PythonClient.script(named: "translation_messages_over_chat"))
        let hello = FakeBridge.replyText(echoing: "hello there gateway")
        let three = FakeBridge.replyText(echoing: "one two three")
        #expect(out["plain"] as? [AnyHashable] == ["text", hello, "end_turn", 3, Self.words(hello)])
        #expect(out["stream"] as? [AnyHashable] == [three, "end_turn", 3, Self.words(three)])
        let events = out["events"] as? [String] ?? []
        #expect(events.first == "message_start")
        #expect(Array(events.suffix(3)) == ["content_block_stop", "message_delta", "message_stop"])
        #expect(events.filter { $0 == "content_block_delta" }.count == Self.words(three))
        #expect((out["start_usage"] as? Int ?? 0) > 0, "message_start carries the local pre-count")
        let paris: [String: String] = ["city": "Paris"]
        let tool = out["tool"] as? [Any]
        #expect(tool?.first as? String == "tool_use")
        #expect((tool?.last as? [[Any]])?.first?[2] as? [String: String] == paris)
        #expect((tool?.last as? [[Any]])?.first?[3] as? String == "call_1")
        let streamed = out["tool_stream"] as? [Any]
        #expect(streamed?[0] as? String == "tool_use")
        #expect(streamed?[1] as? String == FakeBridge.toolCallArguments, "input_json_delta fragments add up to the arguments")
        #expect((streamed?[2] as? [[Any]])?.first?[1] as? [String: String] == paris)
        let parallel = out["parallel"] as? [Any]
        let calls = parallel?.last as? [[Any]] ?? []
        #expect(calls.count == 2, "two parallel calls whose fragments interleaved upstream: \(out)")
        #expect(calls.map { $0[1] as? [String: String] } == [paris, paris])
        #expect(calls.map { $0[2] as? String } == ["call_1", "call_2"])
        #expect(out["round_trip"] as? [String] == ["end_turn", FakeBridge.replyText(echoing: "thanks a lot")])
        #expect((out["count"] as? Int ?? 0) > 0)
        #expect(out["not_found"] as? [AnyHashable] == [404, "not_found_error", "model_not_found"])

        // The round trip reached the bridge as OpenAI wants it: the assistant's call, then its
        // result as a tool message, then the user's text.
        let roundTrip = bridge.requests.compactMap(\.json).first { ($0["messages"] as? [[String: Any]])?.count == 4 }
        let messages = roundTrip?["messages"] as? [[String: Any]] ?? []
        #expect(messages.map { $0["role"] as? String } == ["user", "assistant", "tool", "user"])
        #expect(((messages[safe: 1]?["tool_calls"] as? [[String: Any]])?.first?["id"] as? String) == "call_1")
        #expect(messages[safe: 2]?["tool_call_id"] as? String == "call_1")
        #expect(messages[safe: 2]?["content"] as? String == "sunny and warm")

        let rows = try Self.ledger(daemon).filter { $0.surface == "messages" }
        #expect(rows.count == 8, "one row per message request (count_tokens is not a completion)")
        #expect(rows.allSatisfy { $0.caller == "alice" && $0.clientApp == "anthropic-python" })
        #expect(rows.filter { $0.status == 200 }.allSatisfy { $0.bridge == "codex" && $0.modelServed == "gpt-test" && !$0.tokensEstimated })
        #expect(rows.first?.tokensIn == 3 && rows.first?.tokensOut == Self.words(hello))
    }

    @Test("the Responses API over an OpenAI-chat bridge: plain, streamed, function calls and their outputs, previous_response_id")
    func responsesOverChat() throws {
        let bridge = try FakeOpenAIBridge(models: ["gpt-test"])
        let daemon = try GatewayDaemonTests.start(bridges: [("codex", bridge.url)], routes: ["codex"])
        defer { daemon.stop() }
        let out = try Self.openAI(daemon, PythonClient.script(named: "translation_responses_over_chat"))
        #expect(out["plain"] as? [AnyHashable] == [FakeBridge.replyText(echoing: "hello there gateway"), "completed", 5, Self.words(FakeBridge.replyText(echoing: "hello there gateway")), "resp_"])
        let three = FakeBridge.replyText(echoing: "one two three")
        #expect(out["stream"] as? [AnyHashable] == [three, Self.words(three)])
        #expect(out["stream_events"] as? [String] == ["response.created", "response.in_progress", "response.completed"])
        #expect(out["call"] as? [String] == ["get_weather", FakeBridge.toolCallArguments, "call_1"])
        #expect(out["parallel"] as? [String] == [FakeBridge.toolCallArguments, FakeBridge.toolCallArguments])
        #expect(out["sequence"] as? Bool == true)
        #expect(out["follow_up"] as? String == FakeBridge.replyText(echoing: "sunny and warm"))
        #expect(out["unknown_previous"] as? [AnyHashable] == [400, "previous_response_not_found"])

        // The follow-up carried the whole conversation: the earlier turn from the gateway's
        // history, the call, and its output as a tool message.
        let followUp = bridge.requests.compactMap(\.json).last { ($0["messages"] as? [[String: Any]])?.last?["role"] as? String == "tool" }
        let messages = followUp?["messages"] as? [[String: Any]] ?? []
        #expect(messages.map { $0["role"] as? String } == ["user", "assistant", "tool"])
        #expect(messages.last?["tool_call_id"] as? String == "call_1")
        let rows = try Self.ledger(daemon).filter { $0.surface == "responses" }
        #expect(rows.count == 6, "\(rows.map { ($0.status, $0.errorCode) })")
        #expect(rows.filter { $0.status == 200 }.allSatisfy { $0.bridge == "codex" && $0.clientApp == "openai-python" })
    }

    @Test("the Responses API passed through to a bridge with responses = true: only the alias renamed, usage from response.completed, a cut stream ends in an error event")
    func responsesPassedThrough() throws {
        let bridge = try FakeOpenAIBridge(models: ["gpt-test"])
        let daemon = try GatewayDaemonTests.start(
            bridges: [("codex", bridge.url)], routes: ["codex"], bridgeOptions: ["codex": "responses = true"])
        defer { daemon.stop() }
        // `sent` holds the bodies exactly as the SDK sent them, to compare with what the bridge got.
        let out = try Self.openAI(daemon, PythonClient.script(named: "translation_responses_passed_through"))
        let hello = FakeBridge.replyText(echoing: "hello there gateway")
        let three = FakeBridge.replyText(echoing: "one two three")
        #expect(out["plain"] as? [AnyHashable] == [hello, "completed", "gpt-test", 5, Self.words(hello), 5 + Self.words(hello)])
        #expect((out["plain_id"] as? String)?.hasPrefix("resp_fake-") == true, "the bridge's own answer, not one the gateway rendered: \(out)")
        #expect(out["stream"] as? [AnyHashable] == [three, "completed", 3, Self.words(three)])
        let textEvents = ["response.output_item.added", "response.content_part.added"]
            + Array(repeating: "response.output_text.delta", count: Self.words(three))
            + ["response.output_text.done", "response.content_part.done", "response.output_item.done"]
        #expect(out["stream_types"] as? [String] == ["response.created", "response.in_progress"] + textEvents + ["response.completed"])
        #expect(out["deltas"] as? String == FakeBridge.replyText(echoing: "alpha beta"))
        #expect(out["sequence"] as? Bool == true)

        // The bridge was asked on /v1/responses itself, never translated to chat completions, with
        // the canonical id; otherwise the body is the client's own (byte for byte when the client
        // already named the canonical id).
        let posts = bridge.requests.filter { $0.method == "POST" }
        #expect(posts.map(\.path) == Array(repeating: "/v1/responses", count: 3))
        #expect(posts.allSatisfy { $0.json?["model"] as? String == "gpt-test" })
        let sent = out["sent"] as? [String] ?? []
        #expect(sent.count == 3)
        for (client, received) in zip(sent, posts) {
            if client.contains(#""model":"gpt-test""#) {
                #expect(received.body == client, "a request that named the canonical id was re-encoded")
            }
            /// The body as sorted-key JSON without its model.
            func rest(_ body: String) -> String {
                var object = (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
                object["model"] = nil
                let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
                return String(decoding: data, as: UTF8.self)
            }
            #expect(rest(received.body) == rest(client), "the bridge got more changed than the model")
        }

        // A bridge that breaks off: the stream ends in the Responses `error` event, never
        // `response.completed`; a whole answer cut short is a 502.
        bridge.failOnlyPosts = true
        bridge.failure = .dieMidStream(afterChunks: 5)
        // Paced, so the events before the cut reach the gateway one by one: sent back to back
        // right before the cut, some can be lost on the way in (body parts still buffered in
        // AsyncHTTPClient when the connection closes are dropped with the failure).
        bridge.chunkDelay = .milliseconds(100)
        let broken = try Self.openAI(daemon, PythonClient.script(named: "translation_responses_cut"))
        let types = broken["types"] as? [String] ?? []
        #expect(Array(types.prefix(4)) == ["response.created", "response.in_progress", "response.output_item.added", "response.content_part.added"], "\(broken)")
        #expect(types.last == "error" && !types.contains("response.completed"), "\(broken)")
        let error = broken["error"] as? [String]
        #expect(error?.first == "upstream_disconnected")
        #expect(error?.last?.contains("bridge codex broke off the stream") == true, "\(broken)")
        #expect(broken["whole"] as? [AnyHashable] == [502, "upstream_error"], "\(broken)")

        let rows = try Self.ledger(daemon)
        #expect(rows.count == 5, "\(rows)")
        #expect(rows.allSatisfy { $0.surface == "responses" && $0.bridge == "codex" && $0.modelServed == "gpt-test" && $0.caller == "alice" })
        #expect(rows.map(\.stream) == [false, true, true, true, false])
        #expect(rows.map(\.errorCode) == [nil, nil, nil, "upstream_disconnected", "upstream_error"])
        let usage = rows.prefix(3).map { [$0.tokensIn, $0.tokensOut] }
        #expect(usage == [[5, Self.words(hello)], [3, Self.words(three)], [2, Self.words(FakeBridge.replyText(echoing: "alpha beta"))]])
        #expect(rows.prefix(3).allSatisfy { !$0.tokensEstimated }, "usage reported by the bridge, not estimated")
    }

    @Test("chat completions over an Anthropic bridge, and Anthropic Messages passed through with their headers")
    func anthropicBridge() throws {
        let bridge = try FakeAnthropicBridge(models: ["gpt-test"])
        let daemon = try GatewayDaemonTests.start(bridges: [("claude", bridge.url)], routes: ["claude"], apis: ["claude": "anthropic"])
        defer { daemon.stop() }
        let chat = try Self.openAI(daemon, PythonClient.script(named: "translation_chat_over_anthropic"))
        let hello = FakeBridge.replyText(echoing: "hello there gateway")
        #expect(chat["plain"] as? [AnyHashable] == [hello, "stop", 5, Self.words(hello)])
        let three = FakeBridge.replyText(echoing: "one two three")
        let stream = chat["stream"] as? [Any]
        #expect(stream?.first as? String == three)
        #expect(stream?.last as? [Int] == [Self.words(three)], "exactly one usage chunk, as the client asked")
        #expect(chat["finish"] as? String == "tool_calls")
        #expect(chat["arguments"] as? String == FakeBridge.toolCallArguments)
        let first = bridge.requests.first { $0.method == "POST" }?.json
        #expect(first?["system"] as? String == "be brief")
        #expect(first?["max_tokens"] as? Int == 4096)

        let messages = try Self.anthropic(daemon, PythonClient.script(named: "translation_messages_passed_through"))
        #expect(messages["plain"] as? [AnyHashable] == [hello, 3, "gpt-test"])
        #expect(messages["stream"] as? String == three)
        #expect(messages["count"] as? [AnyHashable] == [4, NSNull()], "count_tokens is the bridge's own count, not an estimate")
        let passed = bridge.requests.filter { $0.method == "POST" && $0.path.split(separator: "?").first == "/v1/messages" }.suffix(2)
        #expect(passed.first?.headers["anthropic-beta"] == "tools-2024-04-04")
        #expect(passed.allSatisfy { $0.headers["anthropic-version"] != nil })
        #expect(passed.allSatisfy { $0.headers["authorization"] == nil && $0.headers["x-api-key"] == nil }, "the client's key never goes to the bridge")
        #expect(passed.first?.json?["model"] as? String == "gpt-test", "the alias became the canonical id")
        let rows = try Self.ledger(daemon)
        #expect(rows.map(\.surface) == ["chat.completions", "chat.completions", "chat.completions", "messages", "messages"])
        #expect(rows.allSatisfy { $0.bridge == "claude" && $0.status == 200 && !$0.tokensEstimated })
    }

    @Test("structured output is translated, never dropped: output_config.format ↔ response_format json_schema ↔ text.format; json_object to Anthropic is a 400 naming it")
    func structuredOutput() throws {
        let chatBridge = try FakeOpenAIBridge(models: ["over-chat"])
        let claude = try FakeAnthropicBridge(models: ["over-anthropic"])
        let daemon = try GatewayDaemonTests.start(
            bridges: [("codex", chatBridge.url), ("claude", claude.url)], routes: ["codex"], apis: ["claude": "anthropic"],
            sections: "[[models]]\nid = \"over-chat\"\nroutes = [\"codex\"]\n\n[[models]]\nid = \"over-anthropic\"\nroutes = [\"claude\"]\n")
        defer { daemon.stop() }
        let result = try PythonClient.run(scriptNamed: "translation_structured_output", environment: ["GATEWAY_PORT": "\(daemon.gateway)"], timeout: .seconds(60))
        let out = try result.jsonObject()
        #expect(out["messages"] as? String == "text", "\(result)")
        #expect(out["chat"] as? String == "stop")
        #expect(out["responses"] as? String == "completed")
        let refused = out["json_object"] as? [Any]
        #expect(refused?.first as? Int == 400)
        #expect((refused?.last as? String)?.contains("response_format: 'json_object' has no equivalent on an Anthropic bridge") == true)

        let schema: [String: Any] = [
            "type": "object", "properties": ["city": ["type": "string"]], "required": ["city"], "additionalProperties": false,
        ]
        let sentToChat = chatBridge.requests.first { $0.method == "POST" }?.json?["response_format"] as? [String: Any]
        #expect(sentToChat?["type"] as? String == "json_schema")
        let jsonSchema = sentToChat?["json_schema"] as? [String: Any]
        let sameSchema = { (value: Any?) in NSDictionary(dictionary: value as? [String: Any] ?? [:]).isEqual(to: schema) }
        #expect(sameSchema(jsonSchema?["schema"]))
        let sentToClaude = claude.requests.filter { $0.method == "POST" }.map { $0.json?["output_config"] as? [String: Any] }
        #expect(sentToClaude.count == 2, "json_object reached the bridge")
        for config in sentToClaude {
            let format = config?["format"] as? [String: Any]
            #expect(format?["type"] as? String == "json_schema")
            #expect(sameSchema(format?["schema"]))
        }
    }

    @Test("a bridge that breaks off mid-stream: Anthropic and Responses clients get an error event, never a clean end")
    func brokenStreams() throws {
        let bridge = try FakeOpenAIBridge(models: ["gpt-test"])
        bridge.failure = .dieMidStream(afterChunks: 2)
        bridge.failOnlyPosts = true
        let daemon = try GatewayDaemonTests.start(bridges: [("codex", bridge.url)], routes: ["codex"])
        defer { daemon.stop() }
        let messages = try Self.anthropic(daemon, PythonClient.script(named: "translation_messages_broken_stream"))
        let result = messages["result"] as? [Any]
        #expect(result?.first as? String != nil && result?.first as? String != "ended cleanly", "\(messages)")
        #expect("\(messages)".contains("broke off") || "\(messages)".contains("api_error"), "\(messages)")
        let responses = try Self.openAI(daemon, PythonClient.script(named: "translation_responses_broken_stream"))
        let types = responses["types"] as? [String] ?? []
        #expect(types.contains("response.failed") && !types.contains("response.completed"), "\(types)")
        let rows = try Self.ledger(daemon)
        #expect(rows.count == 2 && rows.allSatisfy { $0.errorCode == "upstream_disconnected" }, "\(rows)")
    }

    @Test("a translated Anthropic stream gets ping events while the bridge is silent, then finishes")
    func pings() throws {
        let bridge = try FakeOpenAIBridge(models: ["gpt-test"])
        bridge.pauseAfterFirstChunk = .milliseconds(1200)
        let daemon = try GatewayDaemonTests.start(
            bridges: [("codex", bridge.url)], routes: ["codex"], gatewayOptions: "ping_interval = \"200ms\"")
        defer { daemon.stop() }
        let out = try Self.anthropic(daemon, PythonClient.script(named: "translation_pings"))
        let events = out["events"] as? [String] ?? []
        let pings = events.filter { $0 == "ping" }.count
        #expect(pings >= 2, "about one ping per 200 ms of a 1.2 s silence: \(events)")
        #expect(events.first == "message_start" && events.last == "message_stop", "\(events)")
    }

    @Test("compression on a model: whitespace runs collapse before the bridge, counted in the ledger")
    func compression() throws {
        let bridge = try FakeOpenAIBridge(models: ["gpt-test"])
        let daemon = try GatewayDaemonTests.start(bridges: [("codex", bridge.url)], routes: ["codex"], modelOptions: "compress = true")
        defer { daemon.stop() }
        _ = try Self.openAI(daemon, """
            client.chat.completions.create(model='fast', messages=[{'role': 'user', 'content': 'hello      there\\n\\n\\n\\n\\ngateway   \\n```\\nkeep    this\\n```'}])
            """)
        let sent = bridge.requests.first { $0.method == "POST" }?.json
        let content = (sent?["messages"] as? [[String: Any]])?.first?["content"] as? String
        #expect(content == "hello there\n\ngateway\n```\nkeep    this\n```")
        let row = try Self.ledger(daemon).first
        #expect(row?.compressionOperations == 1)
        #expect((row?.compressionTokensSaved ?? 0) > 0)
    }
}

extension Array {
    fileprivate subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
