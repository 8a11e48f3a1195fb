import Foundation
import Testing
import TestSupport

/// The Anthropic fake answers the official `anthropic` Python SDK as Anthropic would, so gateway
/// tests built on it test against the real wire format.
@Suite("FakeAnthropicBridge, driven by the official anthropic SDK")
struct FakeAnthropicBridgeTests {
    /// Every script starts with `fake_anthropic_prelude.py`: a client for `ANTHROPIC_BASE_URL`, no
    /// retries, and `out(value)`.
    static var prelude: String { get throws { try PythonClient.script(named: "fake_anthropic_prelude") } }

    /// The SDK's settings for `bridge`.
    static func environment(_ bridge: FakeAnthropicBridge) -> [String: String] {
        ["ANTHROPIC_BASE_URL": bridge.url, "ANTHROPIC_API_KEY": "sk-ant-test"]
    }

    /// Runs `script` against `bridge` and returns what it printed as a JSON object. Async, so the
    /// wait for Python holds no thread of the cooperative pool.
    static func anthropic(
        _ script: String, _ bridge: FakeAnthropicBridge, environment: [String: String] = [:]
    ) async throws -> [String: Any] {
        let result = try await PythonClient.run(prelude + script, environment: Self.environment(bridge).merging(environment) { $1 })
        try #require(result.status == 0, "\(result)")
        return try result.jsonObject()
    }

    @Test("a message echoes the last user message, with usage counted in words and the headers recorded")
    func message() async throws {
        let bridge = try FakeAnthropicBridge(models: ["fake-model"])
        let output = try await Self.anthropic(PythonClient.script(named: "fake_anthropic_message"), bridge)

        let message = try #require(output["message"] as? [String: Any])
        #expect(message["id"] as? String == "msg_fake_1")
        #expect(message["type"] as? String == "message")
        #expect(message["role"] as? String == "assistant")
        #expect(message["model"] as? String == "fake-model")
        #expect(message["stop_reason"] as? String == "end_turn")
        #expect(message["stop_sequence"] is NSNull)
        let content = try #require(message["content"] as? [[String: Any]])
        #expect(content.count == 1)
        #expect(content.first?["type"] as? String == "text")
        #expect(content.first?["text"] as? String == "echo: hello there world")
        let usage = message["usage"] as? [String: Any]
        #expect(usage?["input_tokens"] as? Int == 5)  // "Be brief." + "hello there world"
        #expect(usage?["output_tokens"] as? Int == 4)

        let beta = try #require(output["beta"] as? [String: Any])
        #expect(beta["text"] as? String == "echo: hello there world")
        #expect(beta["model"] as? String == "other-model")
        #expect(beta["usage"] as? Int == 5)  // a system prompt given as text blocks counts the same

        // The beta call may add a query (`?beta=true`), depending on the SDK's version.
        #expect(bridge.requests.map { $0.path.prefix { $0 != "?" } } == ["/v1/messages", "/v1/messages"])
        let plain = try #require(bridge.requests.first)
        #expect(plain.method == "POST")
        // The key goes in `x-api-key`, or in `Authorization` from SDK 2 on.
        #expect(plain.headers["x-api-key"] == "sk-ant-test" || plain.headers["authorization"] == "Bearer sk-ant-test")
        let version = try #require(output["version"] as? String)
        #expect(bridge.requests.allSatisfy { $0.headers["anthropic-version"] == version })
        #expect(plain.headers["anthropic-beta"] == nil)
        #expect(plain.headers["user-agent"]?.hasPrefix("Anthropic/Python") == true)
        #expect(plain.json?["max_tokens"] as? Int == 64)
        #expect(bridge.requests.last?.headers["anthropic-beta"] == "fake-beta-2025-01-01")
    }

    @Test("a stream arrives word by word through text_stream and adds up in get_final_message")
    func streaming() async throws {
        let bridge = try FakeAnthropicBridge()
        bridge.chunkDelay = .milliseconds(20)
        let output = try await Self.anthropic(PythonClient.script(named: "fake_anthropic_streaming"), bridge)

        #expect(output["pieces"] as? [String] == ["echo:", " one", " two", " three"])
        let final = try #require(output["final"] as? [String: Any])
        #expect(final["id"] as? String == "msg_fake_1")
        #expect(final["model"] as? String == "fake-model")
        #expect(final["stop_reason"] as? String == "end_turn")
        #expect(final["stop_sequence"] is NSNull)
        let content = final["content"] as? [[String: Any]]
        #expect(content?.count == 1)
        #expect(content?.first?["text"] as? String == FakeAnthropicBridge.replyText(echoing: "one two three"))
        let usage = final["usage"] as? [String: Any]
        #expect(usage?["input_tokens"] as? Int == 3)
        #expect(usage?["output_tokens"] as? Int == 4)  // from message_delta, not message_start's 1
        // The SDK skips `ping`; every other event reaches it by name.
        #expect(output["raw"] as? [String] == [
            "message_start", "content_block_start", "content_block_delta", "content_block_delta", "content_block_delta",
            "content_block_delta", "content_block_stop", "message_delta", "message_stop",
        ])
        #expect(bridge.firstChunksSent == 2)
        #expect(bridge.requests.allSatisfy { $0.json?["stream"] as? Bool == true })
    }

    @Test("on the wire a stream is Anthropic's named events, ping included, one HTTP chunk each")
    func wireFormat() throws {
        let bridge = try FakeAnthropicBridge()
        let body = #"{"model":"fake-model","max_tokens":16,"stream":true,"messages":[{"role":"user","content":"hi"}]}"#
        let response = try Self.post(body, to: bridge)

        #expect(response.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(response.contains("Content-Type: text/event-stream; charset=utf-8\r\n"))
        #expect(response.hasSuffix("\r\n0\r\n\r\n"))
        let events = response.components(separatedBy: "\r\n").filter { $0.hasPrefix("event: ") }
        let names = events.map { String($0.prefix { $0 != "\n" }.dropFirst("event: ".count)) }
        #expect(names == [
            "message_start", "content_block_start", "ping", "content_block_delta", "content_block_delta",
            "content_block_stop", "message_delta", "message_stop",
        ])
        // Each chunk is one whole event: its name, one data line naming the same type, a blank line.
        let data = try events.map { event in
            let lines = event.components(separatedBy: "\n")
            try #require(lines.count == 4 && lines[1].hasPrefix("data: ") && lines[2].isEmpty && lines[3].isEmpty, "\(event)")
            return try #require(JSONSerialization.jsonObject(with: Data(lines[1].dropFirst(6).utf8)) as? [String: Any])
        }
        #expect(data.map { $0["type"] as? String } == names)
        let start = data.first?["message"] as? [String: Any]
        #expect((start?["usage"] as? [String: Any])?["output_tokens"] as? Int == 1)
        #expect((start?["usage"] as? [String: Any])?["input_tokens"] as? Int == 1)
        #expect((start?["content"] as? [Any])?.isEmpty == true)
        let deltas = data.filter { $0["type"] as? String == "content_block_delta" }.map { $0["delta"] as? [String: Any] }
        #expect(deltas.map { $0?["type"] as? String } == ["text_delta", "text_delta"])
        #expect(deltas.map { $0?["text"] as? String } == ["echo:", " hi"])
        let end = data.first { $0["type"] as? String == "message_delta" }
        #expect((end?["delta"] as? [String: Any])?["stop_reason"] as? String == "end_turn")
        #expect((end?["delta"] as? [String: Any])?["stop_sequence"] is NSNull)
        #expect((end?["usage"] as? [String: Any])?["output_tokens"] as? Int == 2)
    }

    @Test("a tool_use answer, streamed or not, calls the first tool with input {\"city\":\"Paris\"}")
    func toolUse() async throws {
        let bridge = try FakeAnthropicBridge()
        let output = try await Self.anthropic(PythonClient.script(named: "fake_anthropic_tool_use"), bridge)

        for name in ["whole", "streamed"] {
            let message = try #require(output[name] as? [String: Any])
            #expect(message["stop_reason"] as? String == "tool_use", "\(name)")
            let content = try #require(message["content"] as? [[String: Any]])
            #expect(content.count == 1, "\(name)")
            #expect(content.first?["type"] as? String == "tool_use", "\(name)")
            #expect(content.first?["id"] as? String == FakeAnthropicBridge.toolUseID, "\(name)")
            #expect(content.first?["name"] as? String == "get_weather", "\(name)")
            #expect(content.first?["input"] as? [String: String] == ["city": "Paris"], "\(name)")
            #expect((message["usage"] as? [String: Any])?["output_tokens"] as? Int == 2, "\(name)")
        }
        #expect(output["fragments"] as? Int == 3)
        // The tool result is echoed; the assistant's tool_use counts nothing: 6 words asked + 3 in the result.
        #expect(output["after"] as? [String] == ["echo: Sunny, 21 C", "end_turn", "9"])
        #expect(output["refused"] as? String == "echo: What is the weather in Paris?")
    }

    @Test("count_tokens counts words like a message's input_tokens, and can be switched off")
    func countTokens() async throws {
        let bridge = try FakeAnthropicBridge()
        let without = try FakeAnthropicBridge()
        without.countTokensAvailable = false
        let output = try await Self.anthropic(PythonClient.script(named: "fake_anthropic_count_tokens"), bridge, environment: ["WITHOUT": without.url])

        #expect(output["counted"] as? Int == 5)
        #expect(output["used"] as? Int == 5)
        #expect(output["missing"] as? [String] == ["NotFoundError", "404", "not_found_error"])
        #expect(bridge.requests.first?.path == "/v1/messages/count_tokens")
        #expect(bridge.requests.first?.headers["anthropic-version"] == output["version"] as? String)
        #expect(without.requests.map(\.path) == ["/v1/messages/count_tokens"])
    }

    @Test("requests are validated as Anthropic does: anthropic-version, model, max_tokens, messages")
    func validation() async throws {
        let bridge = try FakeAnthropicBridge()
        let output = try await Self.anthropic(PythonClient.script(named: "fake_anthropic_validation"), bridge)

        func rejection(_ message: String) -> [String] {
            ["BadRequestError", "400", "error", "invalid_request_error", message]
        }
        #expect(output["version"] as? [String] == rejection("anthropic-version: header is required"))
        #expect(output["model"] as? [String] == rejection("model: Field required"))
        #expect(output["max_tokens"] as? [String] == rejection("max_tokens: Field required"))
        #expect(output["messages"] as? [String] == rejection("messages: Field required"))
        #expect(output["valid"] is NSNull)
        #expect(bridge.requests.first?.headers["anthropic-version"] == nil)
        #expect(bridge.requests.count == 5)
    }

    @Test("models.list and models.retrieve list the bridge's models; GET needs no anthropic-version")
    func models() async throws {
        let bridge = try FakeAnthropicBridge(models: ["fake-a", "fake-b"])
        let output = try await Self.anthropic(PythonClient.script(named: "fake_anthropic_models"), bridge)
        #expect(output["ids"] as? [String] == ["fake-a", "fake-b"])
        #expect(output["types"] as? [String] == ["model"])
        #expect(output["has_more"] as? Bool == false)
        #expect(output["one"] as? [String] == ["fake-b", "fake-b", "2023-11-14T22:13:20+00:00"])
        #expect(output["missing"] as? Int == 404)
        #expect(bridge.requests.map { $0.path.prefix { $0 != "?" } } == ["/v1/models", "/v1/models/fake-b", "/v1/models/fake-c"])

        // A probe: plain GETs without Anthropic headers.
        let probe = try TestClient.httpGet(port: bridge.port, path: "/v1/models")
        #expect(probe.status == 200)
        let list = try JSONSerialization.jsonObject(with: Data(probe.body)) as? [String: Any]
        #expect((list?["data"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == ["fake-a", "fake-b"])
        let health = try TestClient.httpGet(port: bridge.port, path: "/health")
        #expect(health.status == 200)
        #expect(String(decoding: health.body, as: UTF8.self) == #"{"status":"ok"}"#)
    }

    @Test("failures reach the SDK as its own errors: 401, 529, a closed connection, a stream cut before message_stop")
    func failures() async throws {
        let auth = try FakeAnthropicBridge()
        auth.failure = .status(401, body: #"{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}"#)
        let overloaded = try FakeAnthropicBridge()
        overloaded.failure = .status(529, body: #"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#)
        let closing = try FakeAnthropicBridge()
        closing.failure = .closeWithoutReply
        let cut = try FakeAnthropicBridge()
        // message_start, content_block_start, ping, "echo:", " one"; then the connection drops.
        cut.failure = .dieMidStream(afterChunks: 5)
        let output = try await Self.anthropic(PythonClient.script(named: "fake_anthropic_failures"), auth,
            environment: ["AUTH": auth.url, "OVERLOADED": overloaded.url, "CLOSING": closing.url, "CUT": cut.url])

        let denied = output["AUTH"] as? [String: Any]
        #expect(denied?["error"] as? String == "AuthenticationError")
        #expect(denied?["status"] as? Int == 401)
        #expect((denied?["message"] as? String)?.contains("invalid x-api-key") == true)
        let busy = output["OVERLOADED"] as? [String: Any]
        #expect(busy?["error"] as? String == "OverloadedError")
        #expect(busy?["status"] as? Int == 529)
        let closed = output["CLOSING"] as? [String: Any]
        #expect(closed?["error"] as? String == "APIConnectionError")
        let broken = output["CUT"] as? [String: Any]
        #expect(broken?["error"] is String, "a stream cut mid-way must not end cleanly")
        #expect(broken?["text"] as? String == "echo: one")
        #expect((broken?["types"] as? [String])?.contains("message_stop") == false)
        for bridge in [auth, overloaded, closing, cut] {
            #expect(bridge.requests.count == 1)
        }
    }

    @Test("message_start reaches the client while the stream is paused after it")
    func pauseAfterFirstChunk() throws {
        let bridge = try FakeAnthropicBridge()
        let script = try Self.prelude + PythonClient.script(named: "fake_anthropic_paused_stream")
        let run = try bridge.runPausedAfterFirstChunk(script, environment: Self.environment(bridge))
        #expect(run.firstChunkSent)
        let result = run.result
        try #require(result.status == 0, "\(result)")
        #expect(run.afterResume < .seconds(40), "the stream waited out its pause instead of resuming")
        let output = try result.jsonObject()
        #expect(output["text"] as? String == "echo: one two")
        #expect((output["gap"] as? Double ?? 0) >= 1.0)
    }

    /// POSTs `body` to `/v1/messages` with `anthropic-version` over a raw connection and returns
    /// the whole response, chunk framing included.
    static func post(_ body: String, to bridge: FakeAnthropicBridge) throws -> String {
        let fd = try TestClient.connect(port: bridge.port)
        defer { close(fd) }
        try TestClient.sendAll(fd, Array((
            "POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            + "anthropic-version: 2023-06-01\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body).utf8))
        return String(decoding: try TestClient.readToEOF(fd), as: UTF8.self)
    }
}
