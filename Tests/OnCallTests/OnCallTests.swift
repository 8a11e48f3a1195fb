import BridgeProbe
import Foundation
import Logging
import Store
import OnCall
import Systemd
import Testing
import TestSupport

/// On-call notifications end to end in one process: the incident book, a real database, a real
/// webhook receiver on loopback, the outbox sender and the journal seam.
@Suite("OnCall")
struct OnCallTests {
    static let hint = "Set MICROSOFT_CLIENT_ID or M365_COPILOT_ACCESS_TOKEN."
    let start = Date(timeIntervalSince1970: 1_800_000_000)
    func at(_ seconds: Double) -> Date { start.addingTimeInterval(seconds) }

    static func webhooks(_ receiver: String) -> [WebhookDestination] {
        [WebhookDestination(name: "oncall", url: "\(receiver)/hook?token=SECRET", format: .json)]
    }

    struct Daemon {
        let store: Store
        let sender: WebhookSender
        let onCall: OnCall
        let journal: MemoryJournal
    }

    /// What `run` builds, minus the threads: the test drives delivery and ticks with its own clock.
    static func daemon(_ directory: TemporaryDirectory, _ webhooks: [WebhookDestination]) throws -> Daemon {
        let store = try Store(directory: directory.path)
        let sender = WebhookSender(store: store, webhooks: webhooks, logger: Logger(label: "test"))
        let journal = MemoryJournal()
        let onCall = try OnCall(
            store: store, webhooks: webhooks, bridgeTunnels: [:], journal: journal, sender: nil, logger: Logger(label: "test"))
        return Daemon(store: store, sender: sender, onCall: onCall, journal: journal)
    }

    static func json(_ request: StubHTTPServer.Request) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(request.body.utf8))) as? [String: Any] ?? [:]
    }

    @Test("one webhook POST and one journal entry per transition: opened with the bridge's hint, recovered with the outage's length")
    func onePerTransition() throws {
        let receiver = try StubHTTPServer(reply: .respond(status: 200, body: "ok", contentType: "text/plain"))
        let directory = try TemporaryDirectory("oncall")
        let daemon = try Self.daemon(directory, Self.webhooks(receiver.url))

        daemon.onCall.handle(.bridge("m365", from: .unknown, to: .live), at: at(0))
        daemon.onCall.handle(.bridge("m365", from: .live, to: .authRequired, reason: "GET /v1/models answered 401", message: Self.hint), at: at(10))
        daemon.sender.deliverDue(now: at(10))
        #expect(receiver.requests.count == 1)
        let opened = Self.json(try #require(receiver.requests.first))
        #expect(opened["event"] as? String == "opened")
        #expect(opened["subject"] as? String == "m365")
        #expect(opened["state"] as? String == "auth_required")
        #expect((opened["next_step"] as? String)?.contains(Self.hint) == true)
        let incident = try #require(opened["incident_id"] as? Int)
        #expect(receiver.requests.first?.path == "/hook?token=SECRET")
        #expect(receiver.requests.first?.headers["content-type"] == "application/json")

        daemon.onCall.handle(.bridge("m365", from: .authRequired, to: .live, reason: "GET /v1/models answered 200"), at: at(130))
        daemon.sender.deliverDue(now: at(130))
        #expect(receiver.requests.count == 2)
        let recovered = Self.json(receiver.requests[1])
        #expect(recovered["event"] as? String == "recovered")
        #expect(recovered["incident_id"] as? Int == incident)
        #expect(recovered["duration_seconds"] as? Double == 120)

        let entries = daemon.journal.entries
        #expect(entries.count == 2)
        #expect(entries.map { $0["INCIDENT_ID"] } == [String(incident), String(incident)])
        #expect(entries.map { $0["PREV_STATE"] } == ["live", "auth_required"])
        #expect(entries[0]["MESSAGE_ID"] != entries[1]["MESSAGE_ID"])
        #expect(try daemon.store.transitions(subject: "m365", limit: 10).count == 3)
        #expect(try daemon.store.pendingCount() == 0)
        // The webhook's URL (and its token) never reaches the database.
        #expect(try daemon.store.openIncidents().isEmpty)
    }

    @Test("a receiver that is down: the message waits in the outbox, across a restart, and arrives once it is back")
    func outboxSurvives() throws {
        let receiver = try StubHTTPServer(reply: .respond(status: 503, body: "down", contentType: "text/plain"))
        let directory = try TemporaryDirectory("oncall")
        let webhooks = Self.webhooks(receiver.url)
        do {
            let first = try Self.daemon(directory, webhooks)
            first.onCall.handle(.bridge("m365", from: .live, to: .down, reason: "connection refused"), at: at(0))
            let retry = try #require(first.sender.deliverDue(now: at(0)))
            #expect(retry == at(WebhookSender.retryDelay(afterAttempts: 1)))
            #expect(receiver.requests.count == 1)
            #expect(try first.store.pendingCount() == 1)
        }
        receiver.reply = .respond(status: 204, body: "")
        let second = try Self.daemon(directory, webhooks)
        #expect(try second.store.pendingCount() == 1)
        second.sender.deliverDue(now: at(1))
        #expect(receiver.requests.count == 1, "delivered before its retry was due")
        second.sender.deliverDue(now: at(WebhookSender.retryDelay(afterAttempts: 1)))
        #expect(receiver.requests.count == 2)
        #expect(Self.json(receiver.requests[1])["event"] as? String == "opened")
        #expect(try second.store.pendingCount() == 0)
        second.sender.deliverDue(now: at(3600))
        #expect(receiver.requests.count == 2, "delivered twice")
    }

    @Test("a restart does not page again for an open incident; its reminder still comes on time")
    func noRepageAfterRestart() throws {
        let receiver = try StubHTTPServer(reply: .respond(status: 200, body: "ok", contentType: "text/plain"))
        let directory = try TemporaryDirectory("oncall")
        let webhooks = Self.webhooks(receiver.url)
        do {
            let first = try Self.daemon(directory, webhooks)
            first.onCall.handle(.bridge("m365", from: .live, to: .authRequired, message: Self.hint), at: at(0))
            first.sender.deliverDue(now: at(0))
        }
        #expect(receiver.requests.count == 1)
        let second = try Self.daemon(directory, webhooks)
        #expect(second.onCall.openIncidents.map(\.key) == ["bridge:m365"])
        // After the restart the probes start over: unknown, then the same state.
        second.onCall.handle(.bridge("m365", from: .unknown, to: .authRequired, message: Self.hint), at: at(60))
        second.onCall.tick(at: at(3599))
        second.sender.deliverDue(now: at(3599))
        #expect(receiver.requests.count == 1)
        #expect(second.journal.entries.isEmpty)
        second.onCall.tick(at: at(3600))
        second.sender.deliverDue(now: at(3600))
        #expect(receiver.requests.count == 2)
        #expect(Self.json(receiver.requests[1])["event"] as? String == "reminder")
        #expect(second.journal.entries.map { $0["MESSAGE_ID"] } == [JournalEntry.messageID(for: .reminder)])
    }
}
