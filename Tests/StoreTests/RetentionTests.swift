import Foundation
@_spi(Testing) import Store
import TestSupport
import Testing

/// `Store.prune(…)`: what goes, what stays, and the counts.
@Suite struct RetentionTests {
    let directory: TemporaryDirectory
    let store: Store

    init() throws {
        directory = try TemporaryDirectory("store")
        store = try Store(directory: directory.path)
    }

    func incident(_ key: String, openedAt: Date, resolvedAt: Date?) -> IncidentRecord {
        IncidentRecord(key: key, kind: "bridge", subject: key, state: "down", openedAt: openedAt, resolvedAt: resolvedAt)
    }

    func message(_ body: String, at time: Date, incidentKey: String? = nil) -> OutboxMessage {
        OutboxMessage(
            webhook: "oncall", incidentKey: incidentKey, event: "opened", body: body, contentType: "text/plain",
            createdAt: time, nextAttemptAt: time)
    }

    @Test func pruneDeletesOnlyWhatIsOldAndDoneAndCountsIt() throws {
        for second in [10.0, 20, 99, 100, 150] {
            try store.record(ProbeRecord(bridge: "codex", time: at(second), verdict: "live"))
        }
        _ = try store.commit(
            StoreBatch(
                transitions: [
                    TransitionRecord(time: at(10), kind: "bridge", subject: "codex", fromState: "unknown", toState: "live"),
                    TransitionRecord(time: at(20), kind: "bridge", subject: "codex", fromState: "live", toState: "down"),
                    TransitionRecord(time: at(120), kind: "bridge", subject: "codex", fromState: "down", toState: "live"),
                    // Old, but the newest of its subject: kept, or a restart would forget the state.
                    TransitionRecord(time: at(5), kind: "tunnel", subject: "macstudio", fromState: "connecting", toState: "up"),
                ],
                incidents: [
                    incident("old-resolved", openedAt: at(1), resolvedAt: at(50)),
                    incident("recent-resolved", openedAt: at(1), resolvedAt: at(150)),
                    incident("old-open", openedAt: at(1), resolvedAt: nil),
                ],
                outbox: [
                    message("old-delivered", at: at(10), incidentKey: "old-resolved"),
                    message("recent-delivered", at: at(10)),
                    message("old-undelivered", at: at(10)),
                ]))
        let due = try store.dueMessages(now: at(10), limit: 10)
        try store.markDelivered(id: try #require(due[0].id), at: at(20))
        try store.markDelivered(id: try #require(due[1].id), at: at(150))

        let counts = try store.prune(
            probesBefore: at(100), transitionsBefore: at(100), resolvedBefore: at(100), deliveredBefore: at(100))
        #expect(counts == PruneCounts(probes: 3, transitions: 2, incidents: 1, deliveredMessages: 1))
        #expect(counts.total == 7)

        #expect(try store.probes(bridge: "codex", limit: 10).map(\.time) == [at(150), at(100)])
        #expect(try store.lastTransitions().map { "\($0.subject)=\($0.toState)" } == ["codex=live", "macstudio=up"])
        #expect(try store.transitions(subject: nil, limit: 10).count == 2)
        #expect(try store.openIncidents().map(\.key) == ["old-open"])
        let keys = try store.columnForTesting("SELECT key FROM incidents ORDER BY key")
        #expect(keys == ["old-open", "recent-resolved"])
        #expect(try store.pendingCount() == 1)
        #expect(try store.columnForTesting("SELECT body FROM outbox ORDER BY body") == ["old-undelivered", "recent-delivered"])

        // Nothing left to prune at the same cutoffs.
        let again = try store.prune(
            probesBefore: at(100), transitionsBefore: at(100), resolvedBefore: at(100), deliveredBefore: at(100))
        #expect(again == PruneCounts())
    }

    @Test func openIncidentsSurviveAnyCutoff() throws {
        _ = try store.commit(
            StoreBatch(
                incidents: [incident("open", openedAt: at(0), resolvedAt: nil)],
                outbox: [message("pending", at: at(0), incidentKey: "open")]))
        let future = at(1_000_000)
        let counts = try store.prune(
            probesBefore: future, transitionsBefore: future, resolvedBefore: future, deliveredBefore: future)
        #expect(counts.incidents == 0)
        #expect(counts.deliveredMessages == 0)
        #expect(try store.openIncidents().map(\.key) == ["open"])
        #expect(try store.pendingCount() == 1)
    }

    @Test func pruningAnIncidentUnlinksItsMessages() throws {
        let saved = try store.commit(
            StoreBatch(
                incidents: [incident("gone", openedAt: at(0), resolvedAt: at(1))],
                outbox: [message("recovered", at: at(1), incidentKey: "gone")]))
        #expect(try store.dueMessages(now: at(1), limit: 1).first?.incidentId == saved.first?.id)
        _ = try store.prune(probesBefore: at(0), transitionsBefore: at(0), resolvedBefore: at(2), deliveredBefore: at(0))
        let due = try store.dueMessages(now: at(1), limit: 1)
        #expect(due.map(\.body) == ["recovered"])
        #expect(due.first?.incidentId == nil)
    }
}
