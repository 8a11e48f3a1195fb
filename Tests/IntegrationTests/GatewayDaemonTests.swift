import Foundation
import Store
import Testing
import TestSupport

/// The built binary's gateway, in front of fake OpenAI-style bridges, used through the official
/// `openai` Python SDK.
@Suite("bridgekeeper gateway", .serialized)
struct GatewayDaemonTests {
    static let hint = "Set MICROSOFT_CLIENT_ID or M365_COPILOT_ACCESS_TOKEN."
    static let secret = "sk-secret-4c0ffee"
    static let dashboardToken = "dash-token-1234567890"

    /// A running daemon and where its gateway listens.
    struct Daemon {
        let process: Bridgekeeper.Running
        let gateway: UInt16
        let config: String
        let state: String
        let dir: TemporaryDirectory

        var baseURL: String { "http://127.0.0.1:\(gateway)/v1" }

        func stop() {
            guard process.process.isRunning else { return }
            kill(process.process.processIdentifier, SIGTERM)
            process.process.waitUntilExit()
        }
    }

    /// Starts `run` with `bridges` (name → URL; `api = "openai"` unless `apis` says otherwise) and
    /// one model `gpt-test` (alias `fast`, more keys in `modelOptions`) routed over `routes`;
    /// `bridgeOptions` adds lines to a bridge's table by name (e.g. `responses = true`);
    /// `sections` goes at the end (e.g. `[[notify.webhooks]]`); `environment` is added to the daemon's.
    /// Waits until the gateway listens and every bridge has been probed.
    static func start(
        bridges: [(String, String)], routes: [String], clientKeys: String? = nil, apis: [String: String] = [:],
        bridgeOptions: [String: String] = [:], modelOptions: String = "", gatewayOptions: String = "", sections: String = "",
        environment: [String: String] = [:]
    ) throws -> Daemon {
        let dir = try TemporaryDirectory("test")
        let keysLine = try clientKeys.map { "client_keys_file = \"\(try dir.write("client-keys", $0))\"\n" } ?? ""
        let gateway = try TestSSHD.freePort()
        let token = try dir.write("dashboard-token", dashboardToken + "\n")
        var text = """
            [supervisor]
            control = "127.0.0.1:\(try TestSSHD.freePort())"
            state_dir = "\(dir.path)/state"

            [gateway]
            listen = "127.0.0.1:\(gateway)"
            dashboard_token_file = "\(token)"
            \(keysLine)\(gatewayOptions.isEmpty ? "" : gatewayOptions + "\n")
            """
        for (name, url) in bridges {
            text += """
                [[bridges]]
                name = "\(name)"
                url = "\(url)"
                api = "\(apis[name] ?? "openai")"
                subscription = "\(name) plan"
                \(bridgeOptions[name].map { $0 + "\n" } ?? "")  [bridges.probe]
                  interval = "300ms"
                  timeout = "250ms"

                """
        }
        text += """
            [[models]]
            id = "gpt-test"
            aliases = ["fast"]
            routes = [\(routes.map { "\"\($0)\"" }.joined(separator: ", "))]
            price = { input_per_mtok = 1.0, output_per_mtok = 10.0 }
            \(modelOptions)

            \(sections)
            """
        let config = try dir.write("bk.toml", text)
        let process = try Bridgekeeper.start(["run", "--config", config], extraEnvironment: environment)
        let daemon = Daemon(process: process, gateway: gateway, config: config, state: dir.path + "/state", dir: dir)
        do {
            try Wait.until("the daemon to probe its bridges", timeout: .seconds(20), interval: .milliseconds(100), lastSeen: { process.output }) {
                let status = try Bridgekeeper.run(["status", "--json", "--config", config])
                let json = (try? JSONSerialization.jsonObject(with: Data(status.output.utf8))) as? [String: Any] ?? [:]
                let states = (json["bridges"] as? [[String: Any]] ?? []).compactMap { $0["state"] as? String }
                return states.count == bridges.count && !states.contains("unknown")
            }
            return daemon
        } catch {
            daemon.stop()
            throw error
        }
    }

    /// Runs `script` after `gateway_openai_prelude.py` (a client for the gateway with `key`, sending
    /// `X-Caller: caller` unless it is nil) and returns what it printed as a JSON object.
    static func python(_ daemon: Daemon, _ script: String, key: String = secret, caller: String? = "alice", timeout: Duration = .seconds(60)) throws -> [String: Any] {
        let result = try PythonClient.run(
            PythonClient.script(named: "gateway_openai_prelude") + script,
            environment: ["OPENAI_BASE_URL": daemon.baseURL, "OPENAI_API_KEY": key, "X_CALLER": caller ?? ""], timeout: timeout)
        guard result.status == 0 else { throw TestClient.Failure("python failed: \(result)") }
        return try result.jsonObject()
    }

    @Test("plain, streamed, tool calls (whole and streamed), aliases, models; an exact ledger, the dashboard behind its token, no secret anywhere")
    func throughTheSDK() throws {
        let bridge = try FakeOpenAIBridge(models: ["gpt-test"])
        let daemon = try Self.start(bridges: [("codex", bridge.url)], routes: ["codex"])
        defer { daemon.stop() }
        let out = try Self.python(daemon, PythonClient.script(named: "gateway_through_the_sdk"))
        #expect(out["plain"] as? String == FakeOpenAIBridge.replyText(echoing: "hello there gateway"))
        #expect(out["usage"] as? [Int] == [3, 4])
        #expect(out["streamed"] as? String == FakeOpenAIBridge.replyText(echoing: "one two three"))
        #expect(out["usage_chunks"] as? Int == 0, "the usage chunk the gateway asked for reached a client that did not")
        #expect(out["tool"] as? [String] == ["tool_calls", "get_weather", FakeOpenAIBridge.toolCallArguments])
        #expect(out["streamed_arguments"] as? String == FakeOpenAIBridge.toolCallArguments)
        #expect(out["stream_usage"] as? Int != nil)
        #expect(out["models"] as? [String] == ["gpt-test"])
        #expect(out["not_found"] as? [AnyHashable] == [404, "model_not_found"])
        // The bridge got canonical ids, and usage requested on every stream.
        let posts = bridge.requests.filter { $0.method == "POST" }
        #expect(posts.count == 4)
        #expect(posts.allSatisfy { $0.json?["model"] as? String == "gpt-test" })
        #expect(posts.filter { $0.json?["stream"] as? Bool == true }.allSatisfy {
            ($0.json?["stream_options"] as? [String: Any])?["include_usage"] as? Bool == true
        })
        #expect(posts.allSatisfy { $0.headers["authorization"] == nil }, "the client's key reached the bridge")

        // The dashboard: 401 without the token, the ledger with it.
        #expect(try Self.get(daemon, "/api/dashboard/requests").status == 401)
        #expect(try Self.get(daemon, "/api/dashboard/requests", token: "wrong-token-1234567890").status == 401)
        // Rows are written in batches (every 250 ms): wait for the fifth.
        let page = try Wait.value("the fifth ledger row", timeout: .seconds(5)) {
            let page = try Self.get(daemon, "/api/dashboard/requests?limit=2", token: Self.dashboardToken)
            return page.json["total"] as? Int == 5 ? page : nil
        }
        #expect(page.status == 200)
        #expect(page.json["total"] as? Int == 5)
        #expect((page.json["requests"] as? [Any])?.count == 2)
        let providers = try Self.get(daemon, "/api/dashboard/providers", token: Self.dashboardToken)
        #expect(((providers.json["providers"] as? [[String: Any]])?.first?["state"] as? String) == "live")
        let clients = try Self.get(daemon, "/api/dashboard/clients", token: Self.dashboardToken)
        #expect(((clients.json["clients"] as? [[String: Any]])?.first?["client_app"] as? String) == "openai-python")

        let metrics = try Self.get(daemon, "/metrics", token: Self.dashboardToken)
        #expect(metrics.status == 200)
        #expect(metrics.text.contains(#"bridgekeeper_requests_total{model="gpt-test",bridge="codex",status="200",outcome="success"} 4"#), "\(metrics.text)")
        #expect(metrics.text.contains(#"bridgekeeper_bridge_state{bridge="codex",state="live"} 1"#))
        #expect(metrics.text.contains("bridgekeeper_time_to_first_byte_seconds_bucket"))
        #expect(try Self.get(daemon, "/metrics").status == 401)

        daemon.stop()
        let rows = try Store(directory: daemon.state).requests(matching: RequestFilter(), limit: 100, offset: 0).reversed().map { $0 }
        #expect(rows.count == 5)
        #expect(rows.map(\.modelRequested) == ["fast", "gpt-test", "fast", "fast", "nope"])
        #expect(rows.map(\.modelServed) == ["gpt-test", "gpt-test", "gpt-test", "gpt-test", nil])
        #expect(rows.map(\.stream) == [false, true, false, true, false])
        #expect(rows.map(\.status) == [200, 200, 200, 200, 404])
        #expect(rows.map(\.errorCode) == [nil, nil, nil, nil, "model_not_found"])
        #expect(rows.allSatisfy { $0.caller == "alice" && $0.clientApp == "openai-python" && $0.surface == "chat.completions" })
        #expect(rows[0].tokensIn == 3 && rows[0].tokensOut == 4 && rows[0].tokensEstimated == false)
        #expect(rows[1].tokensIn == 3 && rows[1].tokensOut == 4, "usage of a stream the client asked none for")
        #expect(rows[0].costAvoided == (3 * 1.0 + 4 * 10.0) / 1_000_000)
        #expect(rows.prefix(4).allSatisfy { $0.bridge == "codex" && ($0.ttfbMs ?? -1) >= 0 && $0.latencyMs >= ($0.ttfbMs ?? 0) })

        // No secret in the log or the database.
        #expect(!daemon.process.output.contains(Self.secret))
        for file in ["bridgekeeper.sqlite", "bridgekeeper.sqlite-wal"] {
            let bytes = (try? Data(contentsOf: URL(fileURLWithPath: daemon.state + "/" + file))) ?? Data()
            #expect(bytes.range(of: Data(Self.secret.utf8)) == nil, "\(file) holds the client's key")
            #expect(bytes.range(of: Data(Self.dashboardToken.utf8)) == nil, "\(file) holds the dashboard token")
        }
    }

    @Test("the primary bridge dies mid-run: every request still succeeds, through the fallback")
    func failover() throws {
        let primary = try FakeOpenAIBridge(models: ["gpt-test"])
        let fallback = try FakeOpenAIBridge(models: ["gpt-test"])
        let daemon = try Self.start(bridges: [("primary", primary.url), ("fallback", fallback.url)], routes: ["primary", "fallback"])
        defer { daemon.stop() }
        // Between two requests: a stream already begun cannot be sent again elsewhere.
        primary.stop(afterAnsweringPosts: 10)
        let out = try Self.python(daemon, PythonClient.script(named: "gateway_failover"))
        #expect(out["ok"] as? Int == 60)
        #expect((out["errors"] as? [String]) == [])
        #expect(primary.requests.filter { $0.method == "POST" }.count == 10)
        #expect(fallback.requests.filter { $0.method == "POST" }.count == 50)
    }

    @Test("a bridge that answers stream requests with a whole JSON body: each SDK gets a proper stream; a body that is no completion is a clear 502")
    func wholeAnswerToAStream() throws {
        let bridge = try FakeOpenAIBridge(models: ["gpt-test"])
        let daemon = try Self.start(bridges: [("proxy", bridge.url)], routes: ["proxy"])
        defer { daemon.stop() }
        bridge.failOnlyPosts = true
        bridge.failure = .answer(200, headers: [:], body: """
            {"id":"chatcmpl-1","object":"chat.completion","model":"gpt-test","choices":[{"index":0,"message":{"role":"assistant","content":"said all at once"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":4,"total_tokens":5}}
            """)
        let script = try PythonClient.script(named: "gateway_whole_answer_streamed")
        let result = try PythonClient.run(script, environment: ["GATEWAY_PORT": "\(daemon.gateway)"], timeout: .seconds(60))
        let out = try result.jsonObject()
        #expect(out["chat"] as? String == "said all at once", "\(result)")
        #expect(out["chat_usage"] as? [Int] == [4])
        #expect(out["messages"] as? String == "said all at once")
        #expect(out["stop"] as? String == "end_turn")
        #expect(out["responses"] as? String == "said all at once")

        bridge.failure = .answer(200, headers: [:], body: #"{"status":"queued"}"#)
        let refused = try PythonClient.run(script, environment: ["GATEWAY_PORT": "\(daemon.gateway)"], timeout: .seconds(60)).jsonObject()
        let error = refused["error"] as? [Any]
        #expect(error?.first as? Int == 502)
        #expect(error?[1] as? String == "upstream_not_a_stream")
        #expect((error?.last as? String)?.contains("bridge proxy answered a stream request with a whole answer (application/json)") == true)
    }

    @Test("agent frameworks (openai-agents, pydantic-ai, langchain-anthropic) are told apart in the dashboard's clients; unknown User-Agents are sampled, never one that looks like a key")
    func clientFrameworks() throws {
        let bridge = try FakeOpenAIBridge(models: ["gpt-test"])
        let daemon = try Self.start(bridges: [("codex", bridge.url)], routes: ["codex"])
        defer { daemon.stop() }
        let result = try PythonClient.run(
            scriptNamed: "client_frameworks", environment: ["GATEWAY_PORT": "\(daemon.gateway)", "DASHBOARD_TOKEN": Self.dashboardToken],
            timeout: .seconds(120))
        let out = try result.jsonObject()
        let reply = FakeBridge.replyText(echoing: "one two")
        for framework in ["openai-agents", "pydantic-ai/openai", "pydantic-ai/anthropic", "langchain-anthropic"] {
            #expect(out[framework] as? String == reply, "\(framework): \(result)")
        }
        #expect(out["clients"] as? [String] == ["langchain-anthropic", "openai-agents", "pydantic-ai", "unknown"])
        #expect(out["unknown_user_agents"] as? [String] == ["MysteryAgent/1.0 (linux)"])
    }

    @Test("an auth_required bridge: 503 bridge_auth_required with the bridge's hint")
    func authRequired() throws {
        let bridge = try FakeOpenAIBridge(models: ["gpt-test"])
        bridge.failure = .status(401, body: #"{"status":"auth_required","message":"\#(Self.hint)"}"#)
        let daemon = try Self.start(bridges: [("m365", bridge.url)], routes: ["m365"])
        defer { daemon.stop() }
        let out = try Self.python(daemon, PythonClient.script(named: "gateway_auth_required"))
        #expect(out["status"] as? Int == 503)
        #expect(out["code"] as? String == "bridge_auth_required")
        #expect((out["message"] as? String)?.contains(Self.hint) == true)
        #expect(bridge.requests.filter { $0.method == "POST" }.isEmpty, "a request went to a bridge known to need a sign-in")
        // `x-should-retry: false`: the SDK (which retries a 503 twice by default) asked once.
        let rows = try TranslationDaemonTests.ledger(daemon)
        #expect(rows.count == 1, "\(rows.map(\.errorCode))")
    }

    @Test("a bridge that breaks off mid-stream: the stream ends with an error event, never as if complete; a bridge's 4xx comes back in dialect naming it")
    func upstreamFailures() throws {
        let bridge = try FakeOpenAIBridge(models: ["gpt-test"])
        let daemon = try Self.start(bridges: [("codex", bridge.url)], routes: ["codex"])
        defer { daemon.stop() }
        bridge.failOnlyPosts = true
        bridge.failure = .dieMidStream(afterChunks: 2)
        let fd = try TestClient.connect(port: daemon.gateway, timeout: .seconds(5))
        defer { close(fd) }
        let body = #"{"model":"gpt-test","stream":true,"messages":[{"role":"user","content":"alpha beta gamma delta"}]}"#
        try TestClient.sendAll(fd, Array("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)".utf8))
        let text = String(decoding: try TestClient.readToEOF(fd), as: UTF8.self)
        #expect(text.contains("echo:"))
        #expect(text.contains("\"code\":\"upstream_disconnected\""))
        #expect(text.contains("bridge codex broke off the stream"))
        #expect(!text.contains("[DONE]"))

        bridge.failOnlyPosts = true
        bridge.failure = .status(422, body: #"{"error":{"message":"messages must not be empty"}}"#)
        let out = try Self.python(daemon, PythonClient.script(named: "gateway_upstream_4xx"))
        #expect(out["status"] as? Int == 422)
        #expect(out["code"] as? String == "upstream_error")
        #expect(out["message"] as? String == "bridge codex answered 422: messages must not be empty")
    }

    @Test("streams are not buffered: the client has the first chunk while the bridge still holds the second")
    func unbuffered() throws {
        let bridge = try FakeOpenAIBridge(models: ["gpt-test"])
        bridge.pauseAfterFirstChunk = .seconds(20)
        let daemon = try Self.start(bridges: [("codex", bridge.url)], routes: ["codex"])
        defer { daemon.stop() }
        let fd = try TestClient.connect(port: daemon.gateway, timeout: .seconds(5))
        defer { close(fd) }
        let body = #"{"model":"gpt-test","stream":true,"messages":[{"role":"user","content":"alpha beta gamma"}]}"#
        try TestClient.sendAll(fd, Array("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)".utf8))
        var received = ""
        let deadline = ContinuousClock.now + .seconds(10)
        while !received.contains("echo:") && ContinuousClock.now < deadline {
            received += String(decoding: try TestClient.receive(fd), as: UTF8.self)
        }
        #expect(received.contains("\"content\":\"echo:\""), "the first chunk did not arrive while the bridge paused")
        #expect(!received.contains("alpha"), "a later chunk arrived before the bridge sent it")
        bridge.resumePausedStreams()
        while !received.contains("[DONE]") && ContinuousClock.now < deadline + .seconds(10) {
            let chunk = try TestClient.receive(fd)
            if chunk.isEmpty { break }
            received += String(decoding: chunk, as: UTF8.self)
        }
        #expect(received.contains("gamma") && received.contains("[DONE]"))
    }

    @Test("a client too slow with its request's head or body is cut off; a prompt one is served")
    func slowClients() throws {
        let bridge = try FakeOpenAIBridge(models: ["gpt-test"])
        let daemon = try Self.start(bridges: [("codex", bridge.url)], routes: ["codex"], gatewayOptions: "request_timeout = \"500ms\"")
        defer { daemon.stop() }
        let head = "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        for (what, bytes) in [("an unfinished head", head), ("an unfinished body", head + "Content-Length: 100\r\n\r\n{\"model\":")] {
            let fd = try TestClient.connect(port: daemon.gateway, timeout: .seconds(20))
            defer { close(fd) }
            let started = ContinuousClock.now
            try TestClient.sendAll(fd, Array(bytes.utf8))
            // The gateway closes the connection (a read timeout here would throw instead).
            _ = try TestClient.readToEOF(fd)
            #expect(ContinuousClock.now - started >= .milliseconds(400), "\(what): closed only once its time was up")
        }
        let models = try Self.get(daemon, "/v1/models")
        #expect(models.status == 200)
    }

    @Test("with client keys: no key or a wrong one is 401 invalid_api_key; a listed key is served and its name is the row's key")
    func clientKeys() throws {
        let bridge = try FakeOpenAIBridge(models: ["gpt-test"])
        let key = "sk-client-key-for-bob-0001"
        let hash = ClientKeyHash.sha256Hex(key)
        let daemon = try Self.start(bridges: [("codex", bridge.url)], routes: ["codex"], clientKeys: "# team keys\nbob sha256:\(hash)\n")
        defer { daemon.stop() }
        let script = try PythonClient.script(named: "gateway_client_keys")
        let out = try Self.python(daemon, script, key: key, caller: nil)
        #expect(out["none"] as? [AnyHashable] == [401, "invalid_api_key"])
        #expect(out["wrong"] as? [AnyHashable] == [401, "invalid_api_key"])
        #expect(out["served"] as? String == FakeOpenAIBridge.replyText(echoing: "hi bob"))
        daemon.stop()
        let rows = try Store(directory: daemon.state).requests(matching: RequestFilter(status: 200), limit: 10, offset: 0)
        #expect(rows.map(\.key) == ["bob"])
        #expect(rows.map(\.caller) == [nil])
        #expect(!daemon.process.output.contains(key))
    }

    static func get(_ daemon: Daemon, _ path: String, token: String? = nil) throws -> (status: Int, json: [String: Any], text: String) {
        let fd = try TestClient.connect(port: daemon.gateway, timeout: .seconds(5))
        defer { close(fd) }
        let auth = token.map { "Authorization: Bearer \($0)\r\n" } ?? ""
        try TestClient.sendAll(fd, Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\(auth)Connection: close\r\n\r\n".utf8))
        let text = String(decoding: try TestClient.readToEOF(fd), as: UTF8.self)
        let status = Int(text.split(separator: " ").dropFirst().first ?? "") ?? 0
        let body = text.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n")
        let json = (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
        return (status, json, body)
    }
}

/// The hash a client keys file lists, as `printf %s KEY | sha256sum` prints it.
enum ClientKeyHash {
    static func sha256Hex(_ key: String) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try? process.run()
        input.fileHandleForWriting.write(Data(key.utf8))
        try? input.fileHandleForWriting.close()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return String(text.prefix(64))
    }
}
