import Foundation
@_spi(Testing) import Store
import TestSupport
import Testing

/// The gateway's request ledger: round trip, paging, filters, retention and the refusal of secrets.
@Suite struct RequestLedgerTests {
    let directory: TemporaryDirectory
    let store: Store

    init() throws {
        directory = try TemporaryDirectory("store")
        store = try Store(directory: directory.path)
    }

    /// A request labelled by its `latencyMs`, so that a test can name rows by number.
    func request(
        _ label: Double, at time: Date, key: String? = nil, caller: String? = "alice", requested: String? = nil,
        served: String? = nil, bridge: String? = nil, status: Int = 200
    ) -> RequestRecord {
        RequestRecord(
            time: time, key: key, caller: caller, clientApp: "codex", surface: "responses", modelRequested: requested,
            modelServed: served, bridge: bridge, status: status, latencyMs: label)
    }

    @Test func everyFieldSurvivesAReopen() throws {
        let full = RequestRecord(
            id: 999, time: at(0.125), key: "laptop", caller: "alice", clientApp: "claude-code", surface: "messages",
            modelRequested: "sonnet", modelServed: "claude-sonnet-4.5", bridge: "copilot", stream: true, status: 502,
            errorCode: "upstream_error", tokensIn: 1200, tokensOut: 345, tokensEstimated: true, latencyMs: 1834.25,
            ttfbMs: 211.5, costAvoided: 0.0123, compressionOperations: 3, compressionTokensSaved: 4096)
        let bare = RequestRecord(time: at(1), clientApp: "unknown", surface: "models", status: 200, latencyMs: 0.5)
        try store.record(requests: [full, bare])

        let reopened = try Store(directory: directory.path)
        let read = try reopened.requests(matching: RequestFilter(), limit: 10, offset: 0)
        #expect(read.count == 2)
        #expect(read.allSatisfy { $0.id != nil && $0.id != 999 })
        var expectedBare = bare
        expectedBare.id = read.first?.id
        var expectedFull = full
        expectedFull.id = read.last?.id
        #expect(read == [expectedBare, expectedFull])
        #expect(read.last?.stream == true)
        #expect(read.first?.compressionOperations == 0)
        #expect(read.first?.tokensEstimated == false)
    }

    @Test func pagesComeNewestFirstAndAddUpToTheCount() throws {
        // Out of time order, with a tie in time that the later write wins.
        try store.record(requests: [3.0, 1, 6, 2, 5].map { request($0, at: at($0)) })
        try store.record(requests: [request(4, at: at(5)), request(7, at: at(7))])

        let newestFirst = [7.0, 6, 4, 5, 3, 2, 1]
        #expect(try store.requestCount(matching: RequestFilter()) == 7)
        #expect(try store.requests(matching: RequestFilter(), limit: 100, offset: 0).map(\.latencyMs) == newestFirst)
        var paged: [Double] = []
        for offset in stride(from: 0, to: 9, by: 3) {
            let page = try store.requests(matching: RequestFilter(), limit: 3, offset: offset)
            #expect(page.count == min(3, 7 - offset))
            paged += page.map(\.latencyMs)
        }
        #expect(paged == newestFirst)
        #expect(try store.requests(matching: RequestFilter(), limit: 2, offset: 1).map(\.latencyMs) == [6, 4])
        #expect(try store.requests(matching: RequestFilter(), limit: 0, offset: 0).isEmpty)
        #expect(try store.requests(matching: RequestFilter(), limit: 3, offset: 7).isEmpty)
        #expect(try store.requests(matching: RequestFilter(), limit: 1, offset: -5).map(\.latencyMs) == [7])
    }

    @Test(arguments: [
        (RequestFilter(), [5.0, 4, 3, 2, 1]),
        (RequestFilter(caller: "alice"), [3, 1]),
        (RequestFilter(caller: "nobody"), []),
        (RequestFilter(model: "gpt-5.1-codex"), [5, 3, 1]),
        (RequestFilter(model: "gpt-5"), [1]),
        (RequestFilter(bridge: "codex"), [3, 1]),
        (RequestFilter(status: 200), [2, 1]),
        (RequestFilter(status: 404), [4]),
        (RequestFilter(since: at(30)), [5, 4, 3]),
        (RequestFilter(caller: "bob", model: "gpt-5.1-codex"), [5]),
        (RequestFilter(caller: "alice", status: 502), [3]),
        (RequestFilter(model: "gpt-5.1-codex", bridge: "codex", since: at(11)), [3]),
        (RequestFilter(key: "laptop"), [3, 1]),
        (RequestFilter(key: "ci", caller: "bob"), [5, 2]),
        (RequestFilter(key: "ci", caller: "alice"), []),
    ] as [(RequestFilter, [Double])])
    func filtersSelectTheMatchingRowsAndCountThem(filter: RequestFilter, expected: [Double]) throws {
        try store.record(requests: [
            request(1, at: at(10), key: "laptop", caller: "alice", requested: "gpt-5", served: "gpt-5.1-codex", bridge: "codex"),
            request(2, at: at(20), key: "ci", caller: "bob", requested: "sonnet", served: "claude-sonnet-4.5", bridge: "copilot"),
            request(3, at: at(30), key: "laptop", caller: "alice", requested: "gpt-5.1-codex", bridge: "codex", status: 502),
            request(4, at: at(40), caller: nil, requested: "no-such-model", status: 404),
            request(5, at: at(50), key: "ci", caller: "bob", requested: "codex-mini", served: "gpt-5.1-codex", bridge: "m365",
                    status: 401),
        ])
        #expect(try store.requests(matching: filter, limit: 100, offset: 0).map(\.latencyMs) == expected)
        #expect(try store.requestCount(matching: filter) == expected.count)
    }

    @Test func pruneDeletesOnlyOlderRequestsAndCountsThem() throws {
        try store.record(requests: [10.0, 20, 99, 100, 150].map { request($0, at: at($0)) })
        try store.record(ProbeRecord(bridge: "codex", time: at(10), verdict: "live"))

        #expect(try store.pruneRequests(before: at(100)) == 3)
        #expect(try store.requests(matching: RequestFilter(), limit: 10, offset: 0).map(\.time) == [at(150), at(100)])
        #expect(try store.pruneRequests(before: at(100)) == 0)
        #expect(try store.probes(bridge: "codex", limit: 10).count == 1)

        // The other tables' retention leaves the ledger alone.
        let future = at(1_000_000)
        _ = try store.prune(probesBefore: future, transitionsBefore: future, resolvedBefore: future, deliveredBefore: future)
        #expect(try store.requestCount(matching: RequestFilter()) == 2)
    }

    @Test(arguments: [
        ("sk-proj-tk_secret_value", "codex"),
        ("Bearer tk_secret_value", "codex"),
        ("  bearer tk_secret_value", "codex"),
        ("SK-tk_secret_value", "codex"),
        ("ghp_tk_secret_value", "codex"),
        ("tk_secret_value_9f8e7d6c5b4a39281706f5e4", "codex"),
        (String(repeating: "tk_secret_value", count: 5), "codex"),
        ("tk_secret_value\u{1B}[2J", "codex"),
        (nil, "sk-ant-api03-tk_secret_value"),
        ("alice", "Bearer tk_secret_value"),
        ("alice", String(repeating: "tk_secret_value", count: 5)),
    ] as [(String?, String)])
    func aNameThatLooksLikeACredentialIsDroppedFromItsRowAndNoRowIsLost(caller: String?, clientApp: String) throws {
        var leaky = request(2, at: at(2))
        leaky.key = caller
        leaky.caller = caller
        leaky.clientApp = clientApp
        let dropped = try store.record(requests: [request(1, at: at(1)), leaky, request(3, at: at(3))])
        #expect(dropped == (caller == "alice" || caller == nil ? 1 : 2))
        let rows = try store.requests(matching: RequestFilter(), limit: 10, offset: 0)
        #expect(rows.map(\.latencyMs) == [3, 2, 1], "every row is written")
        #expect(rows.filter { $0.latencyMs != 2 }.allSatisfy { $0.caller == "alice" && $0.clientApp == "codex" })
        let stored = try store.columnForTesting(
            "SELECT COALESCE(\"key\", '') || ' ' || COALESCE(caller, '') || ' ' || client_app FROM requests")
        #expect(stored.count == 3)
        #expect(stored.allSatisfy { !$0.contains("tk_secret_value") }, "\(stored)")
    }

    @Test func namesThatOnlyResembleCredentialsAreKept() throws {
        let names = ["skipper", "sk", "bearer", "Bearer-bot", "codex-2026-laptop", String(repeating: "n", count: 64)]
        try store.record(requests: names.map { name in
            RequestRecord(time: at(0), caller: name, clientApp: name, surface: "models", status: 200, latencyMs: 1)
        })
        let stored = try store.requests(matching: RequestFilter(), limit: 10, offset: 0)
        #expect(Set(stored.compactMap(\.caller)) == Set(names))
        #expect(Set(stored.map(\.clientApp)) == Set(names))
    }

    @Test func recordingNothingWritesNothing() throws {
        try store.record(requests: [])
        #expect(try store.requestCount(matching: RequestFilter()) == 0)
    }
}
