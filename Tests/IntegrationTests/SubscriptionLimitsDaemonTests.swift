import Foundation
import Store
import Testing
import TestSupport

/// Subscriptions run out and bridges carry keys: the built binary routes around a limited bridge
/// before the client sees anything, tells `status` and on-call once each way, answers 429 with the
/// earliest reset when no route is left, and sends a bridge's key without leaking it. Through the
/// official `openai` and `anthropic` SDKs.
@Suite("bridgekeeper gateway: limits and bridge credentials", .serialized)
struct SubscriptionLimitsDaemonTests {
    typealias Daemon = GatewayDaemonTests.Daemon

    /// Each surface's answer through its SDK (`chat`: openai, `messages`: anthropic), in order: the
    /// text, or the error's status, `Retry-After`, SDK exception, code and message.
    static func sdks(_ daemon: Daemon, _ surfaces: [String]) throws -> [Any] {
        let result = try PythonClient.run(
            scriptNamed: "limits_through_the_sdks", environment: ["GATEWAY_PORT": "\(daemon.gateway)", "SURFACES": surfaces.joined(separator: " ")],
            timeout: .seconds(60))
        guard result.status == 0 else { throw TestClient.Failure("python failed: \(result)") }
        return try result.jsonObject()["answers"] as? [Any] ?? []
    }

    static func status(_ daemon: Daemon) throws -> (exit: Int32, bridges: [String: [String: Any]]) {
        let result = try Bridgekeeper.run(["status", "--json", "--config", daemon.config])
        let json = (try? JSONSerialization.jsonObject(with: Data(result.output.utf8))) as? [String: Any] ?? [:]
        let bridges = (json["bridges"] as? [[String: Any]] ?? []).reduce(into: [String: [String: Any]]()) { $0[$1["name"] as? String ?? ""] = $1 }
        return (result.status, bridges)
    }

    static func events(_ receiver: StubHTTPServer) -> [[String: Any]] {
        receiver.requests.compactMap { (try? JSONSerialization.jsonObject(with: Data($0.body.utf8))) as? [String: Any] }
    }

    @Test("a 429 fails over unseen, makes the bridge limited (status, one notice), and it is used again after its reset; none left: 429 with Retry-After in both dialects")
    func limitedRoutesAround() throws {
        let plan = try FakeOpenAIBridge(models: ["gpt-test"])
        let spare = try FakeOpenAIBridge(models: ["gpt-test"])
        let receiver = try StubHTTPServer(reply: .respond(status: 200, body: "ok", contentType: "text/plain"))
        let webhook = "[[notify.webhooks]]\nname = \"oncall\"\nurl = \"\(receiver.url)/hook\"\nformat = \"json\"\n"
        let daemon = try GatewayDaemonTests.start(bridges: [("plan", plan.url), ("spare", spare.url)], routes: ["plan", "spare"], sections: webhook)
        defer { daemon.stop() }
        plan.failOnlyPosts = true
        plan.failure = .answer(429, headers: ["Retry-After": "3"], body: #"{"error":{"type":"usage_limit_reached","message":"You have hit your usage limit."}}"#)

        let reply = FakeBridge.replyText(echoing: "one two")
        #expect(try Self.sdks(daemon, ["chat", "messages", "chat"]).map { $0 as? String } == [reply, reply, reply])
        #expect(plan.requests.filter { $0.method == "POST" }.count == 1, "a limited bridge was asked again before its reset")
        let limited = try Self.status(daemon)
        #expect(limited.exit == 1)
        #expect(limited.bridges["plan"]?["state"] as? String == "limited")
        #expect(limited.bridges["plan"]?["limited_until"] as? String != nil)
        #expect((limited.bridges["plan"]?["reason"] as? String)?.contains("usage limit") == true)
        try Wait.until("the limited notice", timeout: .seconds(15)) { !receiver.requests.isEmpty }
        let opened = try #require(Self.events(receiver).first)
        #expect(opened["event"] as? String == "opened" && opened["state"] as? String == "limited")
        #expect((opened["reason"] as? String)?.contains("resets at") == true)

        // Past its reset the next probe finds it live: one recovery notice, and it serves again.
        plan.failure = nil
        try Wait.until("the recovery notice", timeout: .seconds(20)) { receiver.requests.count >= 2 }
        #expect(Self.events(receiver).map { $0["event"] as? String } == ["opened", "recovered"])
        #expect(try Self.sdks(daemon, ["chat"]).map { $0 as? String } == [reply])
        #expect(plan.requests.filter { $0.method == "POST" }.count == 2)

        // Every route limited: 429, the earliest reset, in each client's dialect.
        plan.failure = .answer(429, headers: ["Retry-After": "600"], body: #"{"error":{"message":"slow down"}}"#)
        spare.failOnlyPosts = true
        spare.failure = .answer(429, headers: ["x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "2m0s"], body: "{}")
        let refused = try Self.sdks(daemon, ["chat", "messages"])
        let chat = try #require(refused.first as? [String: Any])
        #expect(chat["status"] as? Int == 429)
        #expect(chat["type"] as? String == "RateLimitError")
        #expect(chat["code"] as? String == "bridge_limited")
        #expect((Int(chat["retry_after"] as? String ?? "") ?? 0) > 100 && (Int(chat["retry_after"] as? String ?? "") ?? 999) <= 120)
        let messages = try #require(refused.last as? [String: Any])
        #expect(messages["status"] as? Int == 429)
        #expect(messages["type"] as? String == "RateLimitError")
        #expect(messages["retry_after"] as? String != nil)
    }

    @Test("a bridge behind a key: api_key_file from $CREDENTIALS_DIRECTORY goes as Bearer on probes and requests, and nowhere else")
    func bridgeCredential() throws {
        let key = "sk-litellm-9f8e7d6c5b4a"
        let bridge = try FakeOpenAIBridge(models: ["gpt-test"])
        let credentials = try TemporaryDirectory("credentials")
        _ = try credentials.write("litellm-key", key + "\n")
        let daemon = try GatewayDaemonTests.start(
            bridges: [("litellm", bridge.url)], routes: ["litellm"],
            bridgeOptions: ["litellm": "api_key_file = \"$CREDENTIALS_DIRECTORY/litellm-key\"\n[bridges.headers]\nX-Team = \"infra\"\n"],
            environment: ["CREDENTIALS_DIRECTORY": credentials.path])
        let reply = FakeBridge.replyText(echoing: "one two")
        #expect(try Self.sdks(daemon, ["chat", "messages"]).map { $0 as? String } == [reply, reply])
        let status = try Bridgekeeper.run(["status", "--json", "--config", daemon.config])
        daemon.stop()
        let authorization = bridge.requests.map { request in request.headers.first { $0.key.lowercased() == "authorization" }?.value }
        #expect(!authorization.isEmpty && authorization.allSatisfy { $0 == "Bearer " + key }, "\(authorization)")
        #expect(Set(bridge.requests.map(\.method)) == ["GET", "POST"])
        #expect(bridge.requests.allSatisfy { $0.headers.first { $0.key.lowercased() == "x-team" }?.value == "infra" })
        #expect(!status.output.contains(key))
        #expect(!daemon.process.output.contains(key))
        for file in try FileManager.default.contentsOfDirectory(atPath: daemon.state) {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: daemon.state + "/" + file))
            #expect(bytes.range(of: Data(key.utf8)) == nil, "the key is in \(file)")
        }
    }
}
