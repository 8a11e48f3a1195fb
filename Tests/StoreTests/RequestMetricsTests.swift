import Foundation
@_spi(Testing) import Store
import TestSupport
import Testing

/// The ledger's aggregates: daily request metrics per UTC day, and the clients summary.
@Suite struct RequestMetricsTests {
    let directory: TemporaryDirectory
    let store: Store

    init() throws {
        directory = try TemporaryDirectory("store")
        store = try Store(directory: directory.path)
    }

    /// 2025-06-16 00:00:00 UTC.
    let midnight = Date(timeIntervalSince1970: 1_750_032_000)

    func hours(_ hours: Double) -> Date { midnight.addingTimeInterval(hours * 3600) }

    func request(
        at time: Date, status: Int = 200, tokensIn: Int? = nil, tokensOut: Int? = nil, cost: Double? = nil,
        served: String? = nil, compressions: Int = 0, saved: Int = 0, clientApp: String = "codex",
        caller: String? = nil
    ) -> RequestRecord {
        RequestRecord(
            time: time, caller: caller, clientApp: clientApp, surface: "chat.completions", modelServed: served,
            status: status, tokensIn: tokensIn, tokensOut: tokensOut, latencyMs: 10, costAvoided: cost,
            compressionOperations: compressions, compressionTokensSaved: saved)
    }

    @Test func theStoredTimeIsUTCTextWhoseFirstTenCharactersAreTheDay() throws {
        try store.record(requests: [request(at: midnight.addingTimeInterval(-0.5)), request(at: midnight)])
        #expect(
            try store.columnForTesting("SELECT time FROM requests ORDER BY id")
                == ["2025-06-15 23:59:59.500", "2025-06-16 00:00:00.000"])
        let metrics = try store.requestMetrics(from: hours(-1), to: hours(1))
        #expect(metrics.map(\.day) == ["2025-06-15", "2025-06-16"])
        #expect(metrics.map(\.totalRequests) == [1, 1])
    }

    @Test func dailyMetricsAreExactAcrossTwoUTCDays() throws {
        let from = hours(-12)
        let to = hours(3)
        // Written out of time order; the two rows just outside the range would change every figure.
        try store.record(requests: [
            request(at: to, cost: 100, served: "m-a"),
            request(at: hours(0), tokensIn: 1000, tokensOut: 2000, cost: 1.5, served: "m-z"),
            request(at: hours(-1), tokensIn: 100, tokensOut: 50, cost: 0.5, served: "m-b", compressions: 2, saved: 300),
            request(at: hours(2), status: 429, served: "m-a"),
            request(at: hours(-3), status: 400, tokensOut: 7, cost: 0.25, served: "m-a", compressions: 1, saved: 40),
            request(at: from.addingTimeInterval(-1), tokensIn: 5_000, cost: 100, served: "m-b"),
            request(at: hours(-2), status: 399, tokensIn: 10, served: "m-b"),
            request(at: hours(1), served: "m-z"),
            request(at: hours(-4), status: 502, served: "m-a"),
            request(at: from, tokensIn: 1, tokensOut: 2, cost: 0.125),
        ])

        let metrics = try store.requestMetrics(from: from, to: to)
        #expect(metrics == [
            // m-a and m-b are tied at two: the alphabetically first wins.
            DailyRequestMetrics(
                day: "2025-06-15", totalRequests: 5, totalTokens: 170, successRate: 0.6, estimatedApiCostAvoided: 0.875,
                compressionOperations: 3, compressionTokensSaved: 340, topModel: "m-a"),
            // m-z has more requests than m-a, which would come first alphabetically.
            DailyRequestMetrics(
                day: "2025-06-16", totalRequests: 3, totalTokens: 3000, successRate: 2.0 / 3.0,
                estimatedApiCostAvoided: 1.5, compressionOperations: 0, compressionTokensSaved: 0, topModel: "m-z"),
        ])
    }

    @Test("a stream that broke after its 200 is a failure in the success rate")
    func aBrokenStreamIsAFailure() throws {
        var broken = request(at: hours(1))
        broken.errorCode = "upstream_disconnected"
        #expect(!broken.succeeded)
        #expect(request(at: hours(1)).succeeded)
        try store.record(requests: [broken, request(at: hours(2))])
        #expect(try store.requestMetrics(from: hours(0), to: hours(24)).map(\.successRate) == [0.5])
    }

    @Test func aDayWithoutServedModelsCostsOrTokensHasZerosAndNoTopModel() throws {
        try store.record(requests: [request(at: hours(1), status: 404), request(at: hours(2))])
        #expect(try store.requestMetrics(from: hours(0), to: hours(24)) == [
            DailyRequestMetrics(
                day: "2025-06-16", totalRequests: 2, totalTokens: 0, successRate: 0.5, estimatedApiCostAvoided: 0,
                compressionOperations: 0, compressionTokensSaved: 0, topModel: nil)
        ])
        #expect(try store.requestMetrics(from: hours(24), to: hours(48)).isEmpty)
        #expect(try store.requestMetrics(from: hours(2), to: hours(2)).isEmpty)
    }

    @Test func clientsComeMostRecentFirstWithTheirDistinctKeysAndCallers() throws {
        #expect(try store.clients().isEmpty)
        var keyed = request(at: hours(0.5), clientApp: "codex", caller: "bob")
        keyed.key = "laptop"
        try store.record(requests: [
            keyed,
            request(at: hours(1), clientApp: "codex", caller: "bob"),
            request(at: hours(3), clientApp: "codex", caller: "alice"),
            request(at: hours(0), clientApp: "codex", caller: nil),
            request(at: hours(2), clientApp: "codex", caller: "alice"),
            request(at: hours(4), clientApp: "claude-code", caller: "carol"),
            request(at: hours(3.5), clientApp: "curl", caller: nil),
        ])
        #expect(try store.clients() == [
            ClientSummary(clientApp: "claude-code", lastSeen: hours(4), requests: 1, callers: ["carol"]),
            ClientSummary(clientApp: "curl", lastSeen: hours(3.5), requests: 1, callers: []),
            ClientSummary(clientApp: "codex", lastSeen: hours(3), requests: 5, keys: ["laptop"], callers: ["alice", "bob"]),
        ])
    }
}
