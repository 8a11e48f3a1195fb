import Foundation
import Store
import OnCall
import TestSupport
import Testing

@Suite("Retention")
struct RetentionTests {
    @Test("probes older than 7 days go; newer probes and a 200-day-old open incident stay")
    func defaults() throws {
        let directory = try TemporaryDirectory("retention")
        let store = try Store(directory: directory.path)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let day = 86400.0
        for age in [8.0, 6.0] { try store.record(ProbeRecord(bridge: "codex", time: now.addingTimeInterval(-age * day), verdict: "live")) }
        _ = try store.commit(StoreBatch(incidents: [
            IncidentRecord(key: "bridge:m365", kind: "bridge", subject: "m365", state: "auth_required", openedAt: now.addingTimeInterval(-200 * day))
        ]))
        let counts = try Retention().prune(store, now: now)
        #expect(counts.probes == 1)
        #expect(try store.probes(bridge: "codex", limit: 10).map(\.time) == [now.addingTimeInterval(-6 * day)])
        #expect(try store.openIncidents().count == 1)
    }
}
