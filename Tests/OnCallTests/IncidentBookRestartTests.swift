import BridgeProbe
import Foundation
import Store
import OnCall
import Testing

/// Export, persist, import: a restart does not page again, and reminders keep their schedule.
@Suite struct IncidentBookRestartTests {
    static let start = Date(timeIntervalSince1970: 1_700_000_000)
    static func at(_ seconds: Double) -> Date { start.addingTimeInterval(seconds) }
    static let hour = 3600.0

    /// What the daemon does: store the snapshot somewhere, read it back in a new process.
    static func persisted(_ snapshot: IncidentBook.Snapshot) throws -> IncidentBook.Snapshot {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(IncidentBook.Snapshot.self, from: encoder.encode(snapshot))
    }

    @Test("an open incident survives a restart: no new opening for the same state; reminders continue on schedule")
    func restart() throws {
        var before = IncidentBook()
        #expect(before.handle(.bridge("codex", from: .live, to: .down), at: Self.at(0)).count == 1)
        let inserted = before.takeChanges()
        #expect(inserted.count == 1)
        #expect(inserted.first?.id == nil)
        before.assign(id: 42, toIncidentKeyed: "bridge:codex")
        #expect(before.tick(at: Self.at(Self.hour)).first?.incidentID == 42)
        #expect(before.takeChanges().map(\.remindersSent) == [1])

        var after = IncidentBook(restoring: try Self.persisted(before.snapshot))
        #expect(after.openIncidents == before.openIncidents)
        // The probes start over: unknown, then the same bad state.
        #expect(after.handle(.bridge("codex", from: .unknown, to: .down), at: Self.at(2 * Self.hour)).isEmpty)
        #expect(after.tick(at: Self.at(2 * Self.hour)).isEmpty)
        #expect(after.tick(at: Self.at(4 * Self.hour - 1)).isEmpty)
        let reminder = after.tick(at: Self.at(4 * Self.hour))
        #expect(reminder.map(\.event) == [.reminder])
        #expect(reminder.first?.incidentID == 42)
        let recovered = after.handle(.bridge("codex", from: .down, to: .live), at: Self.at(5 * Self.hour))
        #expect(recovered.first?.duration == .seconds(5 * Self.hour))
        let resolved = after.takeChanges().last
        #expect(resolved?.id == 42)
        #expect(resolved?.resolvedAt == Self.at(5 * Self.hour))
    }

    @Test("a reminder missed while the daemon was stopped is sent once, at the first tick")
    func missedWhileStopped() throws {
        var before = IncidentBook()
        _ = before.handle(.bridge("codex", from: .live, to: .down), at: Self.at(0))
        var after = IncidentBook(restoring: try Self.persisted(before.snapshot))
        #expect(after.tick(at: Self.at(5 * Self.hour)).count == 1)
        #expect(after.openIncidents.first?.remindersSent == 2)
        #expect(after.tick(at: Self.at(6 * Self.hour)).isEmpty)
    }

    @Test("after a restart, a different bad state is one `changed` notice, and good is one recovery")
    func restartIntoOtherState() throws {
        var before = IncidentBook()
        _ = before.handle(.bridge("m365", from: .live, to: .down), at: Self.at(0))
        var after = IncidentBook(restoring: try Self.persisted(before.snapshot))
        let changed = after.handle(.bridge("m365", from: .unknown, to: .authRequired, message: "Sign in."), at: Self.at(60))
        #expect(changed.map(\.event) == [.changed])
        #expect(changed.first?.previousState == "down")
        #expect(after.handle(.bridge("m365", from: .authRequired, to: .live), at: Self.at(120)).map(\.event) == [.recovered])
    }

    @Test("a flapping incident stays quiet across a restart and settles once")
    func flappingAcrossRestart() throws {
        var before = IncidentBook()
        for minute in 0..<5 {
            let (from, to): (BridgeState, BridgeState) = minute.isMultiple(of: 2) ? (.live, .degraded) : (.degraded, .live)
            _ = before.handle(.bridge("codex", from: from, to: to), at: Self.at(Double(minute) * 60))
        }
        #expect(before.openIncidents.map(\.flapping) == [true])
        var after = IncidentBook(restoring: try Self.persisted(before.snapshot))
        #expect(after.handle(.bridge("codex", from: .unknown, to: .degraded), at: Self.at(6 * 60)).isEmpty)
        // Bad since minute 4, longer than the flap outage (1 min): it settles bad, once.
        let settled = after.tick(at: Self.at(6 * 60))
        #expect(settled.map(\.event) == [.settled])
        #expect(settled.first?.state == "degraded")
        #expect(after.tick(at: Self.at(7 * 60)).isEmpty)
        #expect(after.tick(at: Self.at(15 * 60)).isEmpty)
    }

    @Test("resolved incidents in a snapshot are ignored")
    func resolvedIgnored() {
        let resolved = IncidentRecord(
            id: 7, key: "bridge:codex", kind: "bridge", subject: "codex", state: "down", openedAt: Self.at(0),
            resolvedAt: Self.at(60))
        var book = IncidentBook(restoring: IncidentBook.Snapshot(incidents: [resolved]))
        #expect(book.openIncidents.isEmpty)
        #expect(book.handle(.bridge("codex", from: .unknown, to: .down), at: Self.at(120)).map(\.event) == [.opened])
    }
}
