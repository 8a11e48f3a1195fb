import Foundation
import Store
import TestSupport
import Testing

/// Probe results and transitions: ordering, limits, the newest per subject.
@Suite struct RecordTests {
    let directory: TemporaryDirectory
    let store: Store

    init() throws {
        directory = try TemporaryDirectory("store")
        store = try Store(directory: directory.path)
    }

    @Test func probesComeNewestFirstWithinTheLimitAndOnlyForTheBridge() throws {
        // Written out of time order, so that insertion order cannot pass for time order.
        for second in [3.0, 1, 5, 2, 4] {
            try store.record(ProbeRecord(bridge: "codex", time: at(second), verdict: "live", totalMs: second))
        }
        try store.record(ProbeRecord(bridge: "m365", time: at(10), verdict: "down"))

        #expect(try store.probes(bridge: "codex", limit: 3).map(\.time) == [at(5), at(4), at(3)])
        #expect(try store.probes(bridge: "codex", limit: 100).count == 5)
        #expect(try store.probes(bridge: "codex", limit: 0).isEmpty)
        #expect(try store.probes(bridge: "m365", limit: 10).map(\.verdict) == ["down"])
        #expect(try store.probes(bridge: "ollama", limit: 10).isEmpty)
        let ids = try store.probes(bridge: "codex", limit: 5).compactMap(\.id)
        #expect(Set(ids).count == 5)
    }

    @Test func transitionsComeNewestFirstPerSubjectOrForAll() throws {
        let batch = StoreBatch(transitions: [
            TransitionRecord(time: at(1), kind: "tunnel", subject: "macstudio", fromState: "connecting", toState: "up"),
            TransitionRecord(time: at(3), kind: "bridge", subject: "codex", fromState: "live", toState: "down"),
            TransitionRecord(time: at(2), kind: "bridge", subject: "codex", fromState: "unknown", toState: "live"),
        ])
        _ = try store.commit(batch)
        #expect(try store.transitions(subject: "codex", limit: 10).map(\.toState) == ["down", "live"])
        #expect(try store.transitions(subject: "codex", limit: 1).map(\.toState) == ["down"])
        #expect(try store.transitions(subject: nil, limit: 10).map(\.time) == [at(3), at(2), at(1)])
        #expect(try store.transitions(subject: "nobody", limit: 10).isEmpty)
    }

    @Test func lastTransitionsPicksTheNewestPerKindAndSubject() throws {
        _ = try store.commit(
            StoreBatch(transitions: [
                TransitionRecord(time: at(5), kind: "bridge", subject: "codex", fromState: "down", toState: "live"),
                TransitionRecord(time: at(1), kind: "bridge", subject: "codex", fromState: "unknown", toState: "down"),
                TransitionRecord(time: at(2), kind: "bridge", subject: "m365", fromState: "unknown", toState: "live"),
                // A tunnel may share a bridge's name; it is a different subject.
                TransitionRecord(time: at(9), kind: "tunnel", subject: "codex", fromState: "up", toState: "backoff"),
            ]))
        // Same time: the later write wins.
        _ = try store.commit(
            StoreBatch(transitions: [
                TransitionRecord(time: at(2), kind: "bridge", subject: "m365", fromState: "live", toState: "auth_required")
            ]))
        // An older event recorded late does not displace the newest.
        _ = try store.commit(
            StoreBatch(transitions: [
                TransitionRecord(time: at(3), kind: "bridge", subject: "codex", fromState: "x", toState: "degraded")
            ]))

        let last = try store.lastTransitions()
        #expect(last.map { "\($0.kind)/\($0.subject)=\($0.toState)" } == [
            "bridge/codex=live", "bridge/m365=auth_required", "tunnel/codex=backoff",
        ])
        #expect(last.allSatisfy { $0.id != nil })
    }
}
