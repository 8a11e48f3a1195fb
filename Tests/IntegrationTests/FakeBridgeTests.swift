import Foundation
import Testing
import TestSupport

/// The fake bridge answers the official `openai` Python SDK as OpenAI would, so gateway tests
/// built on it test against the real wire format.
@Suite("FakeOpenAIBridge, driven by the official openai SDK")
struct FakeBridgeTests {
    /// Every script starts with a client for `OPENAI_BASE_URL`, no retries, and `out(value)`.
    static let prelude = """
        import json, os, sys, time
        import openai
        client = openai.OpenAI(max_retries=0, timeout=20)
        def out(value):
            print(json.dumps(value))

        """

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
        let output = try await Self.openai("""
            messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hello  there\\nworld"}]
            r = client.chat.completions.create(model="fake-model", messages=messages)
            q = openai.OpenAI(base_url=os.environ["QUIET"], max_retries=0).chat.completions.create(model="m", messages=messages)
            out({"id": r.id, "model": r.model, "text": r.choices[0].message.content, "finish": r.choices[0].finish_reason,
                 "usage": r.usage.model_dump(), "quiet_usage": q.usage and q.usage.model_dump()})
            """, bridge, environment: ["QUIET": quiet.baseURL])

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
        let output = try await Self.openai("""
            def collect(**options):
                pieces, roles, finish, usage, empty_choices = [], [], None, None, 0
                for chunk in client.chat.completions.create(
                        model="fake-model", messages=[{"role": "user", "content": "one two three"}], stream=True, **options):
                    if not chunk.choices:
                        empty_choices += 1
                    for choice in chunk.choices:
                        if choice.delta.role: roles.append(choice.delta.role)
                        if choice.delta.content: pieces.append(choice.delta.content)
                        finish = choice.finish_reason or finish
                    if chunk.usage: usage = chunk.usage.model_dump()
                return {"pieces": pieces, "roles": roles, "finish": finish, "usage": usage, "empty_choices": empty_choices}
            out({"with": collect(stream_options={"include_usage": True}), "without": collect()})
            """, bridge)

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
        let script = Self.prelude + """
            arrivals = []
            text = ""
            for chunk in client.chat.completions.create(
                    model="fake-model", messages=[{"role": "user", "content": "one two"}], stream=True):
                if chunk.choices and chunk.choices[0].delta.content:
                    arrivals.append(time.monotonic())
                    text += chunk.choices[0].delta.content
            out({"text": text, "gap": arrivals[1] - arrivals[0]})
            """
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
        let output = try await Self.openai("""
            tools = [{"type": "function", "function": {"name": "get_weather", "description": "Weather in a city",
                      "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}},
                     {"type": "function", "function": {"name": "get_time", "parameters": {"type": "object"}}}]
            messages = [{"role": "user", "content": "What is the weather in Paris?"}]
            whole = client.chat.completions.create(model="fake-model", messages=messages, tools=tools)
            call = whole.choices[0].message.tool_calls[0]
            calls, finish, fragments = {}, None, 0
            for chunk in client.chat.completions.create(model="fake-model", messages=messages, tools=tools, stream=True):
                for choice in chunk.choices:
                    finish = choice.finish_reason or finish
                    for delta in choice.delta.tool_calls or []:
                        entry = calls.setdefault(delta.index, {"id": None, "name": None, "arguments": ""})
                        entry["id"] = delta.id or entry["id"]
                        if delta.function and delta.function.name: entry["name"] = delta.function.name
                        if delta.function and delta.function.arguments:
                            entry["arguments"] += delta.function.arguments
                            fragments += 1
            messages += [whole.choices[0].message.model_dump(exclude_none=True),
                         {"role": "tool", "tool_call_id": call.id, "content": "Sunny, 21 C"}]
            after = client.chat.completions.create(model="fake-model", messages=messages, tools=tools)
            out({"whole": {"id": call.id, "name": call.function.name, "arguments": call.function.arguments,
                           "finish": whole.choices[0].finish_reason, "usage": whole.usage.model_dump()},
                 "streamed": {"calls": list(calls.values()), "finish": finish, "fragments": fragments},
                 "after": after.choices[0].message.content})
            """, bridge)

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
        let output = try await Self.openai("""
            models = client.models.list()
            out({"ids": [m.id for m in models], "owners": sorted({m.owned_by for m in models}),
                 "one": client.models.retrieve("fake-b").id})
            """, bridge)
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
        let output = try await Self.openai("""
            def attempt(url, stream=False):
                c = openai.OpenAI(base_url=url, max_retries=0, timeout=20)
                text = ""
                try:
                    r = c.chat.completions.create(
                        model="fake-model", messages=[{"role": "user", "content": "one two three"}], stream=stream)
                    for chunk in (r if stream else []):
                        if chunk.choices and chunk.choices[0].delta.content:
                            text += chunk.choices[0].delta.content
                    return {"error": None, "text": text}
                except Exception as e:
                    return {"error": type(e).__name__, "status": getattr(e, "status_code", None), "message": str(e), "text": text}
            out({name: attempt(os.environ[name], stream=(name == "CUT")) for name in ["AUTH", "UNAVAILABLE", "CLOSING", "CUT"]})
            """, auth, environment: ["AUTH": auth.baseURL, "UNAVAILABLE": unavailable.baseURL, "CLOSING": closing.baseURL, "CUT": cut.baseURL])

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
        let result = try await PythonClient.run("""
            import json, os
            print(json.dumps({"extra": os.environ.get("EXTRA"), "no_proxy": os.environ.get("NO_PROXY"),
                              "proxies": [k for k in os.environ if k.lower() in ("http_proxy", "https_proxy", "all_proxy")]}))
            """, environment: ["EXTRA": "yes"])
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
