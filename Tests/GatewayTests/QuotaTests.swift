import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Quota
import Store
import Synchronization
import Testing
import TestSupport

@testable import Gateway

/// `[bridges.quota]` budgets: read from their text, their windows, and through the router in-process
/// against a real SQLite ledger: a nearly spent subscription is tried last and its standing shows in
/// the dashboard's subscriptions.
@Suite("Quota budgets")
struct QuotaTests {
    let now = try! Date("2027-01-15T08:00:00Z", strategy: .iso8601)

    @Test("budgets are COUNT/WINDOW: a calendar day or month in UTC, or a rolling duration")
    func parsing() throws {
        let monthly = try #require(QuotaBudget(kind: .requests, parsing: "300/month"))
        #expect(monthly.limit == 300 && monthly.window == .month && monthly.text == "300/month")
        #expect(monthly.start(at: now) == (try Date("2027-01-01T00:00:00Z", strategy: .iso8601)))
        #expect(monthly.reset(at: now) == (try Date("2027-02-01T00:00:00Z", strategy: .iso8601)))
        let plan = try #require(QuotaBudget(kind: .requests, parsing: "50/5h"))
        #expect(plan.window == .rolling(5 * 3600) && plan.text == "50/5h")
        #expect(plan.start(at: now) == now.addingTimeInterval(-5 * 3600))
        let daily = try #require(QuotaBudget(kind: .tokens, parsing: "1000000/day"))
        #expect(daily.reset(at: now) == (try Date("2027-01-16T00:00:00Z", strategy: .iso8601)))
        #expect(QuotaBudget(kind: .requests, parsing: "7d")?.limit == nil)
        #expect(QuotaBudget(kind: .requests, parsing: "0/day") == nil)
        #expect(QuotaBudget(kind: .requests, parsing: "10/fortnight") == nil)
        #expect(QuotaBudget(kind: .requests, parsing: "10/7d")?.text == "10/7d")
    }

    @Test("a subscription at 90 % of its budget is used only when no other route can serve; the dashboard shows used, remaining and reset")
    func nearlySpentGoesLast() async throws {
        let a = try FakeOpenAIBridge()
        let b = try FakeOpenAIBridge()
        let directory = try TemporaryDirectory("quota")
        let store = try Store(directory: directory.path)
        let recent = Date().addingTimeInterval(-60)
        try store.record(requests: (0..<9).map { _ in
            RequestRecord(time: recent, clientApp: "codex", surface: "chat.completions", bridge: "a", status: 200, tokensIn: 10, tokensOut: 5, latencyMs: 1)
        } + [RequestRecord(time: recent, clientApp: "codex", surface: "chat.completions", bridge: "a", status: 503, latencyMs: 1)])
        let budgets = ["a": [QuotaBudget(kind: .requests, limit: 10, window: .rolling(3600)), QuotaBudget(kind: .tokens, limit: 1000, window: .day)]]
        let availability = GatewayRouterTests.Availability()
        try await GatewayRouterTests.withGateway(bridges: [a, b], routes: ["a", "b"], availability: availability, quota: budgets, store: store) { client in
            try await client.execute(uri: "/v1/chat/completions", method: .post, headers: GatewayRouterTests.json, body: GatewayRouterTests.chat("gpt-test")) { response in
                #expect(response.status == .ok)
            }
            #expect(a.requests.isEmpty, "the nearly spent subscription was tried first")
            #expect(b.requests.count == 1)
            availability.unusable.withLock { $0["b"] = .unusable(code: "bridge_down", hint: "down") }
            try await client.execute(uri: "/v1/chat/completions", method: .post, headers: GatewayRouterTests.json, body: GatewayRouterTests.chat("gpt-test")) { response in
                #expect(response.status == .ok)
            }
            #expect(a.requests.count == 1, "the last resort served when nothing else could")

            var authorized = GatewayRouterTests.json
            authorized[.authorization] = "Bearer \(GatewayRouterTests.token)"
            try await client.execute(uri: "/api/dashboard/subscriptions", method: .get, headers: authorized) { response in
                let subscriptions = GatewayRouterTests.json(response)["subscriptions"] as? [[String: Any]]
                let quota = subscriptions?.first { $0["bridge"] as? String == "a" }?["quota"] as? [[String: Any]]
                #expect(quota?.map { $0["budget"] as? String } == ["10/1h", "1000/day"])
                #expect(quota?.first?["used"] as? Int == 9, "only successful requests count")
                #expect(quota?.first?["remaining"] as? Int == 1)
                #expect(quota?.last?["used"] as? Int == 135)
                #expect(quota?.first?["resets_at"] as? String != nil)
            }
        }
    }
}
