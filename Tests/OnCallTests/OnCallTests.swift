import BridgeProbe
import Foundation
import Logging
import Store
import OnCall
import Platform
import ServiceLifecycle
import TunnelManager
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

/// The service that ticks the book: a page held for a while (a bridge behind a tunnel, held for
/// the tunnel's detection time) goes out when its hold ends, not at the next minute's tick.
@Suite("OnCall service")
struct OnCallServiceTests {
    @Test("a hold that begins while the ticker sleeps still pages when it ends")
    func heldPageGoesOutOnTime() async throws {
        let receiver = try StubHTTPServer(reply: .respond(status: 200, body: "ok", contentType: "text/plain"))
        let directory = try TemporaryDirectory("oncall-service")
        let store = try Store(directory: directory.path)
        var logger = Logger(label: "oncall-service-test")
        logger.logLevel = .critical
        let webhooks = OnCallTests.webhooks(receiver.url)
        let sender = WebhookSender(store: store, webhooks: webhooks, logger: logger)
        let onCall = try OnCall(
            store: store, webhooks: webhooks, bridgeTunnels: ["m365": "home"], journal: nil, sender: sender, logger: logger,
            policy: NotificationPolicy(tunnelDetection: .milliseconds(300), startupGrace: .seconds(2)), startedAt: Date())
        let group = ServiceGroup(services: [OnCallService(onCall: onCall, sender: sender, store: store, logger: logger)], logger: logger)
        let running = Task { try await group.run() }

        // A tunnel still down when the startup grace ends pages from the ticker: once that page is
        // out, the ticker has nothing due and sleeps.
        onCall.handle(.bridge("m365", from: .unknown, to: .live, tunnel: "home"), at: Date())
        onCall.handle(.tunnel("home", from: .connecting, to: .down), at: Date())
        onCall.handle(.tunnel("home", from: .down, to: .up), at: Date())
        onCall.handle(.tunnel("other", from: .connecting, to: .down), at: Date())
        try await BlockingWork.run("wait-for-page") {
            // Generous: the service's task cannot start while the blocking integration suites
            // running alongside hold the cooperative pool. From here on the ticker and the sender
            // run on threads of their own, so the next bound (20 s, against the 60 s the ticker
            // would sleep without a wake-up) measures them alone.
            try Wait.until("the page at the grace's end", timeout: .seconds(120)) { receiver.requests.count == 1 }
        }
        // Now the bridge goes down: held for the tunnel's detection, then paged by the ticker.
        onCall.handle(.bridge("m365", from: .live, to: .down, reason: "refused", tunnel: "home"), at: Date())
        try await BlockingWork.run("wait-for-page") {
            try Wait.until("the held bridge's page", timeout: .seconds(20)) {
                receiver.requests.contains { OnCallTests.json($0)["subject"] as? String == "m365" }
            }
        }
        let pages = receiver.requests.map { OnCallTests.json($0) }.map { "\($0["event"] ?? "") \($0["subject"] ?? "")" }
        #expect(pages == ["opened other", "opened m365"])

        await group.triggerGracefulShutdown()
        try await running.value
    }
}
