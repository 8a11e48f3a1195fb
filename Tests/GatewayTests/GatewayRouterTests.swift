import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Quota
import Store
import Synchronization
import Testing
import TestSupport

@testable import Gateway

/// The gateway's router in-process (HummingbirdTesting's router framework, no socket to the
/// gateway), against real fake bridges on loopback: routing and aliases, failover, error bodies
/// and the dashboard. The framework always sends `Host: localhost`, so the browser guard, like the
/// connection guards, is covered by the binary's attack tests.
@Suite("Gateway router, in-process")
struct GatewayRouterTests {
    /// Which bridges are usable, set by the test.
    final class Availability: AvailabilitySource {
        let unusable = Mutex<[String: BridgeAvailability]>([:])
        /// What the gateway reported limited, in order.
        let limits = Mutex<[(bridge: String, until: Date, reason: String)]>([])
        func availability(of bridge: String) async -> BridgeAvailability { unusable.withLock { $0[bridge] } ?? .usable }
        func limited(_ bridge: String, until: Date, reason: String) {
            limits.withLock { $0.append((bridge, until, reason)) }
            unusable.withLock { $0[bridge] = .unusable(code: "bridge_limited", hint: reason, until: until) }
        }
    }

    struct Source: DashboardSource {
        func bridges() -> [BridgeSummary] {
            [BridgeSummary(
                name: "a", state: "live", since: Date(timeIntervalSince1970: 0), reason: nil, message: nil, latencyMs: 1,
                subscription: "ChatGPT Plus", tunnel: nil)]
        }
        func tunnels() -> [TunnelSummary] { [] }
    }

    /// Rows the gateway records.
    final class Ledger: RequestLedger {
        let rows = Mutex<[RequestRecord]>([])
        func record(_ entry: RequestRecord) { rows.withLock { $0.append(entry) } }
        func close() {}
    }

    static let token = "dashboard-token-0123456789"
    static let json: HTTPFields = [.contentType: "application/json"]

    /// Runs `body` against a gateway whose model `gpt-test` (alias `fast`) is routed over
    /// `routes`, the bridges `a` and `b` being `bridges`.
    static func withGateway(
        bridges: [FakeBridge], routes: [String], availability: Availability = Availability(), ledger: Ledger = Ledger(),
        models: [GatewayConfiguration.Model]? = nil, health: RouteHealth? = nil, headers: [String: String] = [:], quota: [String: [QuotaBudget]] = [:],
        store: Store? = nil, live: Bool = false, maxConnections: [String: Int] = [:],
        _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        let names = ["a", "b"]
        let configuration = GatewayConfiguration(
            host: "127.0.0.1", port: 4000,
            bridges: zip(names, bridges).map { name, bridge in
                GatewayConfiguration.Bridge(
                    name: name, baseURL: bridge.url, api: bridge is FakeAnthropicBridge ? .anthropic : .openai, headers: headers, quota: quota[name] ?? [],
                    maxConnections: maxConnections[name])
            },
            models: models ?? [GatewayConfiguration.Model(id: "gpt-test", aliases: ["fast"], routes: routes)])
        var logger = Logger(label: "gateway-router-test")
        logger.logLevel = .critical
        let service = GatewayService(
            configuration: configuration, availability: availability, health: health, ledger: ledger,
            dashboard: .init(token: DashboardToken(token), store: store, source: Source()), logger: logger)
        let client = BridgeClient(configuration: GatewayService.clientConfiguration(configuration))
        let (router, _) = service.router(client: client)
        do {
            try await Application(router: router, logger: logger).test(live ? .live : .router, body)
        } catch {
            await client.shutdown()
            throw error
        }
        await client.shutdown()
    }

    static func chat(_ model: String, _ text: String = "hi") -> ByteBuffer {
        ByteBuffer(string: #"{"model":"\#(model)","messages":[{"role":"user","content":"\#(text)"}]}"#)
    }

    static func json(_ response: TestResponse) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8))) as? [String: Any] ?? [:]
    }

    static func errorCode(_ response: TestResponse) -> String? {
        (json(response)["error"] as? [String: Any])?["code"] as? String
    }

    @Test("an alias reaches the model's first route; the answer and a ledger row come back")
    func routesAnAlias() async throws {
        let a = try FakeOpenAIBridge()
        let b = try FakeOpenAIBridge()
        let ledger = Ledger()
        try await Self.withGateway(bridges: [a, b], routes: ["a", "b"], ledger: ledger) { client in
            try await client.execute(uri: "/v1/chat/completions", method: .post, headers: Self.json, body: Self.chat("fast", "hello there")) { response in
                #expect(response.status == .ok)
                let choices = Self.json(response)["choices"] as? [[String: Any]]
                #expect((choices?.first?["message"] as? [String: Any])?["content"] as? String == FakeBridge.replyText(echoing: "hello there"))
            }
        }
        #expect(a.requests.filter { $0.method == "POST" }.count == 1)
        #expect(b.requests.isEmpty)
        #expect(ledger.rows.withLock { $0.map(\.bridge) } == ["a"])
    }

    @Test("a translated Responses answer has one prefix per id: resp_…, msg_…")
    func responsesIDs() async throws {
        let a = try FakeOpenAIBridge()
        try await Self.withGateway(bridges: [a], routes: ["a"]) { client in
            let body = ByteBuffer(string: #"{"model":"gpt-test","input":"hi"}"#)
            try await client.execute(uri: "/v1/responses", method: .post, headers: Self.json, body: body) { response in
                #expect(response.status == .ok)
                let answer = Self.json(response)
                let id = answer["id"] as? String ?? ""
                let message = (answer["output"] as? [[String: Any]])?.first?["id"] as? String ?? ""
                #expect(id.wholeMatch(of: /resp_[0-9a-f]+/) != nil, "response id \(id)")
                #expect(message.wholeMatch(of: /msg_[0-9a-f]+/) != nil, "message id \(message)")
            }
        }
    }

    @Test("a stream the bridge breaks off is a failure: in its ledger row and in /metrics")
    func brokenStreamFails() async throws {
        let a = try FakeOpenAIBridge()
        a.failOnlyPosts = true
        a.failure = .dieMidStream(afterChunks: 2)
        let ledger = Ledger()
        let body = ByteBuffer(string: #"{"model":"gpt-test","stream":true,"messages":[{"role":"user","content":"alpha beta gamma"}]}"#)
        try await Self.withGateway(bridges: [a], routes: ["a"], ledger: ledger) { client in
            try await client.execute(uri: "/v1/chat/completions", method: .post, headers: Self.json, body: body) { response in
                #expect(response.status == .ok)
                let text = String(buffer: response.body)
                #expect(text.contains("upstream_disconnected"))
                // Both events the bridge sent before it cut the connection come first.
                #expect(text.components(separatedBy: "chat.completion.chunk").count - 1 == 2, "\(text)")
            }
        }
        let row = try #require(ledger.rows.withLock { $0.first })
        #expect(row.status == 200)
        #expect(row.errorCode == "upstream_disconnected")
        #expect(!row.succeeded)

        let metrics = GatewayMetrics()
        metrics.observe(row)
        let text = String(decoding: metrics.exposition(states: Source(), conditions: []), as: UTF8.self)
        #expect(text.contains(#"bridgekeeper_requests_total{model="gpt-test",bridge="a",status="200",outcome="failure"} 1"#), "\(text)")
    }

    @Test("an unusable first route is skipped; a first route answering 500 fails over to the next")
    func failsOver() async throws {
        let a = try FakeOpenAIBridge()
        let b = try FakeOpenAIBridge()
        let availability = Availability()
        availability.unusable.withLock { $0["a"] = .unusable(code: "tunnel_down", hint: "tunnel home is down") }
        try await Self.withGateway(bridges: [a, b], routes: ["a", "b"], availability: availability) { client in
            try await client.execute(uri: "/v1/chat/completions", method: .post, headers: Self.json, body: Self.chat("gpt-test")) { response in
                #expect(response.status == .ok)
            }
            #expect(a.requests.isEmpty, "an unusable bridge was sent the request")
            availability.unusable.withLock { $0 = [:] }
            a.failure = .status(500, body: #"{"error":{"message":"boom"}}"#)
            try await client.execute(uri: "/v1/chat/completions", method: .post, headers: Self.json, body: Self.chat("gpt-test")) { response in
                #expect(response.status == .ok)
            }
        }
        #expect(a.requests.filter { $0.method == "POST" }.count == 1)
        #expect(b.requests.filter { $0.method == "POST" }.count == 2)
    }

    @Test("errors: an unknown model, a body that is not a request, and no usable bridge, each with its code")
    func errors() async throws {
        let a = try FakeOpenAIBridge()
        let availability = Availability()
        try await Self.withGateway(bridges: [a], routes: ["a"], availability: availability) { client in
            try await client.execute(uri: "/v1/chat/completions", method: .post, headers: Self.json, body: Self.chat("no-such-model")) { response in
                #expect(response.status == .notFound)
                #expect(Self.errorCode(response) == "model_not_found")
            }
            try await client.execute(uri: "/v1/chat/completions", method: .post, headers: Self.json, body: ByteBuffer(string: #"{"model":"gpt-test"}"#)) {
                response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains("messages"), "the error names the missing field: \(String(buffer: response.body))")
            }
            availability.unusable.withLock { $0["a"] = .unusable(code: "bridge_auth_required", hint: "run `codex login`") }
            try await client.execute(uri: "/v1/chat/completions", method: .post, headers: Self.json, body: Self.chat("gpt-test")) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(Self.errorCode(response) == "bridge_auth_required")
                #expect(String(buffer: response.body).contains("run `codex login`"))
                // The SDKs retry a 503 by themselves unless told that waiting will not help.
                #expect(response.headers[HTTPField.Name("x-should-retry")!] == "false")
            }
        }
        #expect(a.requests.isEmpty)
    }

    @Test("the dashboard answers 401 without its token and the providers with it")
    func dashboard() async throws {
        let a = try FakeOpenAIBridge()
        try await Self.withGateway(bridges: [a], routes: ["a"]) { client in
            try await client.execute(uri: "/api/dashboard/providers", method: .get, headers: Self.json) { response in
                #expect(response.status == .unauthorized)
            }
            var authorized = Self.json
            authorized[.authorization] = "Bearer \(Self.token)"
            try await client.execute(uri: "/api/dashboard/providers", method: .get, headers: authorized) { response in
                #expect(response.status == .ok)
                let providers = Self.json(response)["providers"] as? [[String: Any]]
                #expect(providers?.map { $0["name"] as? String } == ["a"])
                #expect(providers?.first?["subscription"] as? String == "ChatGPT Plus")
            }
        }
    }
}
