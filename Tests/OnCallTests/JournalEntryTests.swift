import BridgeProbe
import Foundation
import Store
import OnCall
import Systemd
import Testing
import TestSupport
import TunnelManager

/// Notices as journal fields, sent through an in-memory journal.
@Suite struct JournalEntryTests {
    static let start = Date(timeIntervalSince1970: 1_700_000_000)
    static func at(_ seconds: Double) -> Date { start.addingTimeInterval(seconds) }

    static func notice(_ event: Notice.Event) -> Notice {
        Notice(event: event, key: "bridge:codex", kind: .bridge, subject: "codex", state: "down", priority: .normal, time: start)
    }

    @Test("each event has its own fixed MESSAGE_ID: 32 lower-case hex digits", arguments: Notice.Event.allCases)
    func messageID(event: Notice.Event) throws {
        let journal = MemoryJournal()
        try journal.send(JournalEntry(notice: Self.notice(event)))
        let id = try #require(journal.entries.first?["MESSAGE_ID"])
        #expect(id == JournalEntry.messageID(for: event))
        #expect(id.count == 32)
        #expect(id.allSatisfy { "0123456789abcdef".contains($0) })
        let others = Notice.Event.allCases.filter { $0 != event }.map { JournalEntry.messageID(for: $0) }
        #expect(!others.contains(id))
    }

    @Test("the constants do not change between versions")
    func constants() {
        #expect(JournalEntry.messageID(for: .opened) == "d90f8d38cea5435bafbf399194192d05")
        #expect(JournalEntry.messageID(for: .recovered) == "67c9bbb7eeb1477c91d4b0cba785b184")
    }

    @Test("a bridge opening: its fields, PREV_STATE, and no INCIDENT_ID before the store assigned one")
    func bridgeOpened() throws {
        var book = IncidentBook(bridgeTunnels: ["codex": "macstudio"])
        let journal = MemoryJournal()
        for notice in book.handle(.bridge("codex", from: .live, to: .down, reason: "connection refused"), at: Self.at(0)) {
            try journal.send(JournalEntry(notice: notice))
        }
        let entry = try #require(journal.entries.first)
        #expect(journal.entries.count == 1)
        #expect(entry["MESSAGE"] == "codex: down (connection refused) — check that the bridge is running on its host")
        #expect(entry["MESSAGE_ID"] == JournalEntry.messageID(for: .opened))
        #expect(entry["PRIORITY"] == "3")
        #expect(entry["SYSLOG_IDENTIFIER"] == "bridgekeeper")
        #expect(entry["BRIDGE"] == "codex")
        #expect(entry["TUNNEL"] == "macstudio")
        #expect(entry["STATE"] == "down")
        #expect(entry["PREV_STATE"] == "live")
        #expect(entry["REASON"] == "connection refused")
        #expect(entry["INCIDENT_ID"] == nil)
        #expect(entry["DURATION_SECONDS"] == nil)
    }

    @Test("fields without a value are left out, never sent empty")
    func omitted() {
        let entry = JournalEntry(notice: Self.notice(.reminder))
        #expect(entry.fields.map(\.name) == ["MESSAGE", "MESSAGE_ID", "PRIORITY", "SYSLOG_IDENTIFIER", "BRIDGE", "STATE", "INCIDENT_KEY"])
        #expect(entry.fields.allSatisfy { !$0.value.isEmpty })
        #expect(entry["PRIORITY"] == "4")
    }

    @Test("a tunnel recovery: INCIDENT_ID once known, one BRIDGE per bridge, the duration, priority notice")
    func tunnelRecovered() throws {
        var book = IncidentBook(bridgeTunnels: ["codex": "macstudio", "m365": "macstudio"])
        _ = book.handle(.tunnel("macstudio", from: .up, to: .backoff, failure: .stalled), at: Self.at(0))
        for incident in book.takeChanges() { book.assign(id: 17, toIncidentKeyed: incident.key) }
        let journal = MemoryJournal()
        for notice in book.handle(.tunnel("macstudio", from: .connecting, to: .up), at: Self.at(90)) {
            try journal.send(JournalEntry(notice: notice))
        }
        let entry = try #require(journal.entries.first)
        #expect(entry["MESSAGE"] == "tunnel macstudio recovered after 1m 30s; bridges codex, m365 reachable again")
        #expect(entry["MESSAGE_ID"] == JournalEntry.messageID(for: .recovered))
        #expect(entry["PRIORITY"] == "5")
        #expect(entry["INCIDENT_ID"] == "17")
        #expect(entry["TUNNEL"] == "macstudio")
        #expect(entry.values(of: "BRIDGE") == ["codex", "m365"])
        #expect(entry["STATE"] == "up")
        #expect(entry["PREV_STATE"] == "backoff")
        #expect(entry["REASON"] == "stalled")
        #expect(entry["DURATION_SECONDS"] == "90")
    }

    @Test("journal priorities follow syslog: exposed and down 3, sign-in 4, reminders 4, recoveries 5")
    func priorities() {
        var book = IncidentBook()
        let exposed = book.handle(.bridge("a", from: .live, to: .exposed), at: Self.at(0))
        let auth = book.handle(.bridge("b", from: .live, to: .authRequired), at: Self.at(0))
        let reminders = book.tick(at: Self.at(3600))
        let recovered = book.handle(.bridge("b", from: .authRequired, to: .live), at: Self.at(3601))
        let levels = (exposed + auth + reminders + recovered).map { JournalEntry(notice: $0)["PRIORITY"] }
        #expect(levels == ["3", "4", "4", "4", "5"])
    }
}
