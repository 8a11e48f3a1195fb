public import Foundation
public import Logging
import Platform
public import Store
import Synchronization
public import Systemd

/// Tells on-call what changed. Every bridge and tunnel state change goes through the
/// ``IncidentBook``; in one database transaction the change is recorded, the incidents it opened,
/// updated or resolved are saved, and one outbox message per notice and webhook is queued. Then
/// each notice goes to the journal (or the log) and the ``WebhookSender`` is woken.
///
/// Open incidents are read back from the store at start, so a restart does not page again for an
/// incident already sent, and reminders keep their schedule.
public final class OnCall: Sendable {
    private let store: Store
    private let webhooks: [WebhookDestination]
    private let journal: (any JournalWriter)?
    private let sender: WebhookSender?
    private let logger: Logger
    private let book: Mutex<IncidentBook>
    /// Wakes the ticker (``waitForDue(until:)``): a change may have brought the next due time
    /// forward (a hold that ends before the next reminder), or the daemon is stopping.
    private let beat = GuardedState((changed: false, stopped: false))

    /// Restores the open incidents from `store`. `bridgeTunnels` names each bridge's tunnel (a
    /// bridge whose tunnel is down is not paged for apart). `journal` nil means notices go to
    /// `logger` only. `startedAt` starts the policy's startup grace.
    public init(
        store: Store, webhooks: [WebhookDestination], bridgeTunnels: [String: String], journal: (any JournalWriter)?, sender: WebhookSender?,
        logger: Logger, policy: NotificationPolicy = NotificationPolicy(), startedAt: Date? = nil
    ) throws(StoreError) {
        self.store = store
        self.webhooks = webhooks
        self.journal = journal
        self.sender = sender
        self.logger = logger
        book = Mutex(
            IncidentBook(policy: policy, bridgeTunnels: bridgeTunnels, restoring: .init(incidents: try store.openIncidents()), startedAt: startedAt))
    }

    /// Takes in one state change.
    public func handle(_ change: StateChange, at now: Date) {
        let transition = TransitionRecord(
            time: now, kind: change.kind.rawValue, subject: change.subject, fromState: change.from, toState: change.to,
            reason: change.reason, message: change.message)
        record(transition: transition, at: now) { $0.handle(change, at: now) }
        beat.change { $0.changed = true }
    }

    /// Blocks until `deadline` (what ``tick(at:)`` returned), a change taken in since the last
    /// wait, or ``stopWaiting()``: when to tick again. False once stopped.
    public func waitForDue(until deadline: Date) -> Bool {
        let until = ContinuousClock.now + .seconds(max(0, deadline.timeIntervalSinceNow))
        return beat.wait { beat in
            if beat.stopped { return .done(false) }
            guard beat.changed || ContinuousClock.now >= until else { return .wait(until: until) }
            beat.changed = false
            return .done(true)
        }
    }

    /// Ends ``waitForDue(until:)`` now and every later one at once (the daemon is stopping).
    public func stopWaiting() {
        beat.change { $0.stopped = true }
    }

    /// Sends reminders and flap settlements that are due; returns when to call again.
    @discardableResult
    public func tick(at now: Date) -> Date {
        record(transition: nil, at: now) { $0.tick(at: now) }
        let due = book.withLock { $0.nextDue() }
        return min(due ?? now.addingTimeInterval(60), now.addingTimeInterval(60))
    }

    /// The incidents open now.
    public var openIncidents: [IncidentRecord] { book.withLock { $0.openIncidents } }

    private func record(transition: TransitionRecord?, at now: Date, _ step: (inout IncidentBook) -> [Notice]) {
        let notices: [Notice] = book.withLock { book in
            var notices = step(&book)
            let incidents = book.takeChanges()
            guard transition != nil || !incidents.isEmpty || !notices.isEmpty else { return [] }
            do {
                let batch = StoreBatch(transitions: transition.map { [$0] } ?? [], incidents: incidents)
                // The messages are written in the same transaction, once new incidents have ids.
                let stored = try store.commit(batch) { stored in
                    for index in notices.indices where notices[index].incidentID == nil {
                        notices[index].incidentID = stored.last { $0.key == notices[index].key }?.id
                    }
                    return notices.flatMap { notice in
                        webhooks.map { webhook in
                            let payload = WebhookPayload(notice: notice, format: webhook.format)
                            return OutboxMessage(
                                webhook: webhook.name, incidentId: notice.incidentID, incidentKey: notice.key, event: notice.event.rawValue,
                                body: payload.body, contentType: payload.contentType, headers: payload.headers, createdAt: now,
                                nextAttemptAt: now)
                        }
                    }
                }
                for incident in stored { if let id = incident.id { book.assign(id: id, toIncidentKeyed: incident.key) } }
            } catch {
                // The notices still reach the journal; the webhooks miss them, and the log says so.
                logger.error("cannot record \(notices.count) notice(s) for webhooks: \(error)")
            }
            return notices
        }
        for notice in notices { announce(notice) }
        if !notices.isEmpty && !webhooks.isEmpty { sender?.wake() }
    }

    private func announce(_ notice: Notice) {
        if let journal {
            do {
                try journal.send(JournalEntry(notice: notice))
                return
            } catch {
                logger.warning("cannot write to the journal (\(error)); logging the notice instead")
            }
        }
        let level: Logger.Level = notice.priority >= .high ? .error : notice.priority >= .normal ? .warning : .notice
        logger.log(
            level: level, "\(notice.text)",
            metadata: [
                "event": "\(notice.event.rawValue)", "incident": "\(notice.incidentID.map(String.init) ?? "-")",
                "subject": "\(notice.subject)", "state": "\(notice.state)",
            ])
    }
}
