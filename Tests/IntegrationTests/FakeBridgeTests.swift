import Foundation
import Testing
import TestSupport

/// The fake bridge answers the official `openai` Python SDK as OpenAI would, so gateway tests
/// built on it test against the real wire format.
@Suite("FakeOpenAIBridge, driven by the official openai SDK")
struct FakeBridgeTests {
    /// Every script starts with `fake_openai_prelude.py`: a client for `OPENAI_BASE_URL`, no
    /// retries, and `out(value)`.
    static var prelude: String { get throws { try PythonClient.script(named: "fake_openai_prelude") } }

    /// Runs `script` against `bridge` and returns what it printed as a JSON object. Async, so the
    /// wait for Python holds no thread of the cooperative pool.
    static func openai(_ script: String, _ bridge: FakeOpenAIBridge, environment: [String: String] = [:]) async throws -> [String: Any] {
        let result = try await PythonClient.run(
            prelude + script,
            environment: ["OPENAI_BASE_URL": bridge.baseURL, "OPENAI_API_KEY": "sk-test"].merging(environment) { $1 })
        try #require(result.status == 0, "\(result)")
        return try result.jsonObject()
    }

    @Test("a completion echoes the last user message, with usage counted in words")
    func completion() async throws {
        let bridge = try FakeOpenAIBridge(models: ["fake-model"])
        let quiet = try FakeOpenAIBridge()
        quiet.omitUsage = true
        let output = try await Self.openai(PythonClient.script(named: "fake_openai_completion"), bridge, environment: ["QUIET": quiet.baseURL])

        #expect(output["text"] as? String == "echo: hello there world")
        #expect(output["finish"] as? String == "stop")
        #expect(output["model"] as? String == "fake-model")
        #expect(output["id"] as? String == "chatcmpl-fake-1")
        let usage = output["usage"] as? [String: Any]
        #expect(usage?["prompt_tokens"] as? Int == 5)  // "Be brief." + "hello there world"
        #expect(usage?["completion_tokens"] as? Int == 4)
        #expect(usage?["total_tokens"] as? Int == 9)
        #expect(output["quiet_usage"] is NSNull)

        let request = try #require(bridge.requests.first)
        #expect(bridge.requests.count == 1)
        #expect(request.method == "POST")
        #expect(request.path == "/v1/chat/completions")
        #expect(request.headers["authorization"] == "Bearer sk-test")
        #expect(request.headers["user-agent"]?.hasPrefix("OpenAI/Python") == true)
        #expect((request.json?["messages"] as? [Any])?.count == 2)
    }

    @Test("a stream arrives word by word and ends with the usage chunk when asked for")
    func streaming() async throws {
        let bridge = try FakeOpenAIBridge()
        bridge.chunkDelay = .milliseconds(20)
        let output = try await Self.openai(PythonClient.script(named: "fake_openai_streaming"), bridge)

        let with = try #require(output["with"] as? [String: Any])
        #expect(with["pieces"] as? [String] == ["echo:", " one", " two", " three"])
        #expect((with["pieces"] as? [String])?.joined() == FakeOpenAIBridge.replyText(echoing: "one two three"))
        #expect(with["roles"] as? [String] == ["assistant"])
        #expect(with["finish"] as? String == "stop")
        #expect(with["empty_choices"] as? Int == 1)
        let usage = with["usage"] as? [String: Any]
        #expect(usage?["prompt_tokens"] as? Int == 3)
        #expect(usage?["completion_tokens"] as? Int == 4)
        #expect(usage?["total_tokens"] as? Int == 7)

        let without = try #require(output["without"] as? [String: Any])
        #expect(without["pieces"] as? [String] == ["echo:", " one", " two", " three"])
        #expect(without["usage"] is NSNull)
        #expect(without["empty_choices"] as? Int == 0)
        #expect(bridge.firstChunksSent == 2)
    }

    @Test("the first event reaches the client while the stream is paused after it")
    func pauseAfterFirstChunk() throws {
        let bridge = try FakeOpenAIBridge()
        let script = try Self.prelude + PythonClient.script(named: "fake_openai_paused_stream")
        let run = try bridge.runPausedAfterFirstChunk(script, environment: ["OPENAI_BASE_URL": bridge.baseURL, "OPENAI_API_KEY": "sk-test"])
        #expect(run.firstChunkSent)
        let result = run.result
        try #require(result.status == 0, "\(result)")
        #expect(run.afterResume < .seconds(40), "the stream waited out its pause instead of resuming")
        let output = try result.jsonObject()
        #expect(output["text"] as? String == "echo: one two")
        #expect((output["gap"] as? Double ?? 0) >= 1.0)
    }

    @Test("a tool call, streamed or not, names the first tool with arguments {\"city\":\"Paris\"}")
    func toolCall() async throws {
        let bridge = try FakeOpenAIBridge()
        let output = try await Self.openai(PythonClient.script(named: "fake_openai_tool_calls"), bridge)

        let whole = try #require(output["whole"] as? [String: Any])
        #expect(whole["id"] as? String == "call_1")
        #expect(whole["name"] as? String == "get_weather")
        #expect(whole["finish"] as? String == "tool_calls")
        #expect(try Self.parse(whole["arguments"]) == ["city": "Paris"])
        #expect((whole["usage"] as? [String: Any])?["completion_tokens"] as? Int == 2)

        let streamed = try #require(output["streamed"] as? [String: Any])
        let calls = try #require(streamed["calls"] as? [[String: Any]])
        #expect(calls.count == 1)
        #expect(calls.first?["id"] as? String == "call_1")
        #expect(calls.first?["name"] as? String == "get_weather")
        #expect(try Self.parse(calls.first?["arguments"]) == ["city": "Paris"])
        #expect((2...3).contains(streamed["fragments"] as? Int ?? 0))
        #expect(streamed["finish"] as? String == "tool_calls")

        #expect(output["after"] as? String == "echo: Sunny, 21 C")
    }

    @Test("models.list lists the bridge's models")
    func models() async throws {
        let bridge = try FakeOpenAIBridge(models: ["fake-a", "fake-b"])
        let output = try await Self.openai(PythonClient.script(named: "fake_openai_models"), bridge)
        #expect(output["ids"] as? [String] == ["fake-a", "fake-b"])
        #expect(output["owners"] as? [String] == ["fake"])
        #expect(output["one"] as? String == "fake-b")
        #expect(bridge.requests.map(\.path) == ["/v1/models", "/v1/models/fake-b"])
    }

    @Test("failures reach the SDK as its own errors: 401, 503, a closed connection, a cut stream")
    func failures() async throws {
        let hint = "Set MICROSOFT_CLIENT_ID or M365_COPILOT_ACCESS_TOKEN."
        let auth = try FakeOpenAIBridge()
        auth.failure = .status(401, body: #"{"status":"auth_required","message":"\#(hint)"}"#)
        let unavailable = try FakeOpenAIBridge()
        unavailable.failure = .status(503, body: #"{"error":{"message":"busy","type":"server_error"}}"#)
        let closing = try FakeOpenAIBridge()
        closing.failure = .closeWithoutReply
        let cut = try FakeOpenAIBridge()
        cut.failure = .dieMidStream(afterChunks: 2)
        let output = try await Self.openai(PythonClient.script(named: "fake_openai_failures"), auth, environment: ["AUTH": auth.baseURL, "UNAVAILABLE": unavailable.baseURL, "CLOSING": closing.baseURL, "CUT": cut.baseURL])

        let denied = output["AUTH"] as? [String: Any]
        #expect(denied?["error"] as? String == "AuthenticationError")
        #expect(denied?["status"] as? Int == 401)
        #expect((denied?["message"] as? String)?.contains(hint) == true)
        let busy = output["UNAVAILABLE"] as? [String: Any]
        #expect(busy?["error"] as? String == "InternalServerError")
        #expect(busy?["status"] as? Int == 503)
        let closed = output["CLOSING"] as? [String: Any]
        #expect(closed?["error"] as? String == "APIConnectionError")
        let broken = output["CUT"] as? [String: Any]
        #expect(broken?["error"] is String, "a stream cut mid-way must not end cleanly")
        #expect(broken?["text"] as? String == "echo: one")
        for bridge in [auth, unavailable, closing, cut] {
            #expect(bridge.requests.count == 1)
        }
    }

    @Test("a chunked request body is de-chunked, and each stream event is an HTTP chunk of its own")
    func chunkedRequest() throws {
        let bridge = try FakeOpenAIBridge()
        let body = #"{"model":"fake-model","stream":true,"messages":[{"role":"user","content":"hi there"}]}"#
        let pieces = [String(body.prefix(30)), String(body.dropFirst(30))]
        let chunks = pieces.map { String($0.utf8.count, radix: 16) + "\r\n" + $0 + "\r\n" }.joined()
        let fd = try TestClient.connect(port: bridge.port)
        defer { close(fd) }
        try TestClient.sendAll(fd, Array((
            "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            + "Transfer-Encoding: chunked\r\n\r\n" + chunks + "0\r\n\r\n").utf8))
        let response = String(decoding: try TestClient.readToEOF(fd), as: UTF8.self)

        #expect(bridge.requests.first?.body == body)
        #expect(response.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(response.contains("Transfer-Encoding: chunked\r\n"))
        let events = response.components(separatedBy: "\r\n").filter { $0.hasPrefix("data: ") }
        #expect(events.count == 5)  // "echo:", " hi", " there", the finish chunk, [DONE]
        #expect(events.allSatisfy { $0.hasSuffix("\n\n") && $0.dropLast(2).allSatisfy { $0 != "\n" } })
        #expect(events.last == "data: [DONE]\n\n")
        #expect(response.hasSuffix("\r\n0\r\n\r\n"))
    }

    @Test("PythonClient passes variables, sets NO_PROXY=* and kills a script that outlives its timeout")
    func pythonClient() async throws {
        let result = try await PythonClient.run(scriptNamed: "client_environment", environment: ["EXTRA": "yes"])
        #expect(result.status == 0, "\(result)")
        let output = try result.jsonObject()
        #expect(output["extra"] as? String == "yes")
        #expect(output["no_proxy"] as? String == "*")
        #expect(output["proxies"] as? [String] == [])

        let started = ContinuousClock.now
        let slow = try await PythonClient.run("import time; print('started', flush=True); time.sleep(60)", timeout: .seconds(2))
        #expect(slow.timedOut)
        #expect(slow.status == 128 + SIGKILL)
        #expect(slow.stdout == "started\n")
        // Killed, not waited for: well before the script's 60 s sleep would end (a generous bound,
        // not a timing goal: the machine may be busy).
        #expect(ContinuousClock.now - started < .seconds(50))
    }

    /// A JSON object given as text.
    static func parse(_ text: Any?) throws -> [String: String]? {
        guard let text = text as? String else { return nil }
        return try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: String]
    }
}
