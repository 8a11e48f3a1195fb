import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import NIOCore
import Synchronization
import Testing
import TestSupport

@testable import Gateway

/// What trips a route and what does not, through the gateway's router in-process against real
/// fake bridges: a bridge's 5xx to `count_tokens` or to one model leaves the rest usable; 502–504
/// open that model's circuit; limits (each reset style) fail over before the first byte, and a
/// client whose every route is limited gets 429 with the earliest reset.
@Suite("Route health: breakers and limits")
struct RouteHealthTests {
    typealias Gateway = GatewayRouterTests

    /// A clock the test moves.
    final class Clock: Sendable {
        let time = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
        var now: Date { time.withLock { $0 } }
        func advance(_ seconds: TimeInterval) { time.withLock { $0 += seconds } }
    }

    static func health(_ clock: Clock) -> RouteHealth {
        var logger = Logger(label: "route-health-test")
        logger.logLevel = .critical
        return RouteHealth(logger: logger, now: { clock.now })
    }

    static let twoModels = [
        GatewayConfiguration.Model(id: "gpt-a", routes: ["a"]), GatewayConfiguration.Model(id: "gpt-b", routes: ["a"]),
    ]

    static func posts(_ bridge: FakeBridge, model: String) -> Int {
        bridge.requests.filter { $0.method == "POST" && $0.json?["model"] as? String == model }.count
    }

    @Test("one model's 503 opens that model's circuit only: the other model on the bridge is served, and status shows which")
    func oneModelsFailure() async throws {
        let a = try FakeOpenAIBridge()
        a.failure = .status(503, body: #"{"error":{"message":"gpt-a is overloaded"}}"#)
        a.failOnly = { $0.json?["model"] as? String == "gpt-a" }
        let clock = Clock()
        let health = Self.health(clock)
        try await Gateway.withGateway(bridges: [a], routes: [], models: Self.twoModels, health: health) { client in
            for _ in 0..<2 {
                try await client.execute(uri: "/v1/chat/completions", method: .post, headers: Gateway.json, body: Gateway.chat("gpt-a")) { response in
                    #expect(response.status == .serviceUnavailable)
                    #expect(Gateway.errorCode(response) == "bridge_down")
                }
            }
            try await client.execute(uri: "/v1/chat/completions", method: .post, headers: Gateway.json, body: Gateway.chat("gpt-b")) { response in
                #expect(response.status == .ok, "the healthy model on the same bridge: \(String(buffer: response.body))")
            }
            let conditions = health.conditions()
            #expect(conditions.map { [$0.bridge, $0.model ?? "-", $0.kind.rawValue] } == [["a", "gpt-a", "circuit_open"]])
            #expect(conditions.first?.reason.contains("gpt-a is overloaded") == true)
        }
        #expect(Self.posts(a, model: "gpt-a") == 1, "the open circuit kept the second request away")
        #expect(Self.posts(a, model: "gpt-b") == 1)

        // The cool-down passes: the model is tried again, and a success closes its circuit.
        a.failure = nil
        clock.advance(1)
        try await Gateway.withGateway(bridges: [a], routes: [], models: Self.twoModels, health: health) { client in
            try await client.execute(uri: "/v1/chat/completions", method: .post, headers: Gateway.json, body: Gateway.chat("gpt-a")) { response in
                #expect(response.status == .ok)
            }
        }
        #expect(health.conditions().isEmpty)
    }

    @Test("a probe that finds the bridge live closes its circuit at once; a model's circuit stays open")
    func probeClosesTheBridgesCircuit() {
        let clock = Clock()
        let health = Self.health(clock)
        health.unreachable("a", reason: "connection refused")
        health.unwell("a", model: "gpt-a", reason: "503")
        #expect(health.refusal(bridge: "a", model: "gpt-b")?.code == "bridge_down")
        health.probedLive("a")
        #expect(health.refusal(bridge: "a", model: "gpt-b") == nil, "the bridge's circuit is still open")
        #expect(health.refusal(bridge: "a", model: "gpt-a")?.code == "bridge_down", "a probe closed a model's circuit")
        #expect(health.conditions().map { $0.model } == ["gpt-a"])
    }

    @Test("a 500 fails over but trips nothing: the next request is sent to the bridge again")
    func aPlain500TripsNothing() async throws {
        let a = try FakeOpenAIBridge()
        a.failure = .status(500, body: #"{"error":{"message":"boom"}}"#)
        let health = Self.health(Clock())
        try await Gateway.withGateway(bridges: [a], routes: ["a"], health: health) { client in
            for _ in 0..<3 {
                try await client.execute(uri: "/v1/chat/completions", method: .post, headers: Gateway.json, body: Gateway.chat("gpt-test")) { response in
                    #expect(response.status == .serviceUnavailable)
                    #expect(Gateway.errorCode(response) == "bridge_error")
                }
            }
        }
        #expect(a.requests.count == 3)
        #expect(health.conditions().isEmpty)
    }

    @Test("count_tokens answered 500 gets an estimate and trips nothing: the next message is served by the same bridge")
    func countTokensFailure() async throws {
        let a = try FakeAnthropicBridge(models: ["claude-test"])
        a.failure = .status(500, body: #"{"type":"error","error":{"type":"api_error","message":"counting broke"}}"#)
        a.failOnly = { $0.path.hasPrefix("/v1/messages/count_tokens") }
        let health = Self.health(Clock())
        let models = [GatewayConfiguration.Model(id: "claude-test", routes: ["a"])]
        let message = ByteBuffer(string: #"{"model":"claude-test","max_tokens":50,"messages":[{"role":"user","content":"hello there"}]}"#)
        try await Gateway.withGateway(bridges: [a], routes: [], models: models, health: health) { client in
            for _ in 0..<4 {
                try await client.execute(uri: "/v1/messages/count_tokens", method: .post, headers: Gateway.json, body: message) { response in
                    #expect(response.status == .ok)
                    #expect(Gateway.json(response)["estimated"] as? Bool == true)
                }
            }
            try await client.execute(uri: "/v1/messages", method: .post, headers: Gateway.json, body: message) { response in
                #expect(response.status == .ok, "\(String(buffer: response.body))")
            }
        }
        #expect(a.requests.filter { $0.path == "/v1/messages" }.count == 1)
        #expect(health.conditions().isEmpty)
    }

    @Test(
        "a 429 (each reset style) marks the bridge limited until its reset and the request fails over before the first byte",
        arguments: [
            ([("Retry-After", "120")], ""),
            ([("retry-after-ms", "120000")], ""),
            ([("x-ratelimit-remaining-requests", "0"), ("x-ratelimit-reset-requests", "2m0s")], ""),
            ([("anthropic-ratelimit-requests-remaining", "0"), ("anthropic-ratelimit-requests-reset", "2027-01-15T08:02:00Z")], ""),
            ([], #"{"error":{"type":"usage_limit_reached","message":"You have hit your usage limit.","resets_in_seconds":120}}"#),
        ])
    func limitedFailsOver(headers: [(String, String)], body: String) async throws {
        let a = try FakeOpenAIBridge()
        let b = try FakeOpenAIBridge()
        a.failure = .answer(429, headers: Dictionary(uniqueKeysWithValues: headers), body: body.isEmpty ? #"{"error":{"message":"slow down"}}"# : body)
        let availability = GatewayRouterTests.Availability()
        let clock = Clock()
        try await Gateway.withGateway(bridges: [a, b], routes: ["a", "b"], availability: availability, health: Self.health(clock)) { client in
            try await client.execute(uri: "/v1/chat/completions", method: .post, headers: Gateway.json, body: Gateway.chat("gpt-test")) { response in
                #expect(response.status == .ok)
            }
            // Limited now: the next request goes straight to b.
            try await client.execute(uri: "/v1/chat/completions", method: .post, headers: Gateway.json, body: Gateway.chat("gpt-test")) { response in
                #expect(response.status == .ok)
            }
        }
        let limits = availability.limits.withLock { $0 }
        #expect(limits.map(\.bridge) == ["a"])
        #expect(limits.first.map { $0.until.timeIntervalSince(clock.now) } == 120)
        #expect(a.requests.count == 1)
        #expect(b.requests.count == 2)
    }

    @Test("every route limited: 429 in the client's dialect, Retry-After the earliest reset; a limit naming the model is that model's")
    func everyRouteLimited() async throws {
        let a = try FakeOpenAIBridge()
        let b = try FakeOpenAIBridge()
        a.failure = .answer(429, headers: ["Retry-After": "300"], body: #"{"error":{"message":"Rate limit reached for gpt-test"}}"#)
        b.failure = .answer(429, headers: ["Retry-After": "90"], body: #"{"error":{"message":"too many requests"}}"#)
        let availability = GatewayRouterTests.Availability()
        let clock = Clock()
        let health = Self.health(clock)
        try await Gateway.withGateway(bridges: [a, b], routes: ["a", "b"], availability: availability, health: health) { client in
            try await client.execute(uri: "/v1/chat/completions", method: .post, headers: Gateway.json, body: Gateway.chat("gpt-test")) { response in
                #expect(response.status == .tooManyRequests)
                #expect(response.headers[.retryAfter] == "90")
                #expect(Gateway.errorCode(response) == "bridge_limited")
            }
            let message = ByteBuffer(string: #"{"model":"gpt-test","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}"#)
            try await client.execute(uri: "/v1/messages", method: .post, headers: Gateway.json, body: message) { response in
                #expect(response.status == .tooManyRequests)
                let error = Gateway.json(response)["error"] as? [String: Any]
                #expect(Gateway.json(response)["type"] as? String == "error")
                #expect(error?["type"] as? String == "rate_limit_error")
                #expect(response.headers[.retryAfter] != nil)
            }
        }
        // a named the model: its limit is the model's; b's words did not: the whole bridge's.
        #expect(health.conditions().map { [$0.bridge, $0.model ?? "-", $0.kind.rawValue] } == [["a", "gpt-test", "limited"]])
        #expect(availability.limits.withLock { $0.map(\.bridge) } == ["b"])
        #expect(a.requests.count == 1 && b.requests.count == 1, "limited routes were not asked again")
        let metrics = String(decoding: GatewayMetrics().exposition(states: GatewayRouterTests.Source(), conditions: health.conditions(), now: clock.now), as: UTF8.self)
        #expect(metrics.contains(#"bridgekeeper_route_condition{bridge="a",model="gpt-test",condition="limited"} 300"#), "\(metrics)")
    }

    @Test("a bridge's credential and extra headers go with every request")
    func credentialHeaders() async throws {
        let a = try FakeOpenAIBridge()
        try await Gateway.withGateway(bridges: [a], routes: ["a"], headers: ["Authorization": "Bearer sk-bridge-1", "X-Team": "infra"]) { client in
            try await client.execute(uri: "/v1/chat/completions", method: .post, headers: Gateway.json, body: Gateway.chat("gpt-test")) { response in
                #expect(response.status == .ok)
            }
        }
        let sent = try #require(a.requests.first?.headers)
        #expect(sent.first { $0.key.lowercased() == "authorization" }?.value == "Bearer sk-bridge-1")
        #expect(sent.first { $0.key.lowercased() == "x-team" }?.value == "infra")
        let bridge = GatewayConfiguration.Bridge(name: "a", baseURL: a.url, api: .openai, headers: ["Authorization": "Bearer sk-bridge-1"])
        #expect(!"\(bridge)".contains("sk-bridge-1") && !String(reflecting: bridge).contains("sk-bridge-1"))
    }
}
