import Foundation
public import Logging
import Platform
public import ServiceLifecycle
public import Store

/// Keeps on-call informed for the daemon's lifetime: delivers the webhook outbox, sends
/// reminders, flap settlements and held pages when they are due (woken by each change, which can
/// bring that forward), and prunes the database hourly.
public struct OnCallService: Service {
    private let onCall: OnCall
    private let sender: WebhookSender
    private let store: Store
    private let retention: Retention
    private let logger: Logger

    /// A service for `onCall`, whose outbox `sender` delivers, pruning `store` by `retention`.
    public init(onCall: OnCall, sender: WebhookSender, store: Store, retention: Retention = Retention(), logger: Logger) {
        self.onCall = onCall
        self.sender = sender
        self.store = store
        self.retention = retention
        self.logger = logger
    }

    public func run() async throws {
        sender.start()
        await withGracefulShutdownHandler {
            // Pruning and ticking wait for SQLite, and between ticks it waits for a change or the
            // next due time: on a thread of its own, never on the cooperative pool.
            await BlockingWork.run("bk-oncall") { [self] in
                var pruned = Date.distantPast
                while beat(pruned: &pruned) {}
            }
        } onGracefulShutdown: { [onCall] in
            onCall.stopWaiting()
        }
        await BlockingWork.run("bridgekeeper-webhooks-stop") { sender.stop() }
    }

    /// Prunes when an hour has passed since `pruned`, ticks, and waits until the next tick is
    /// due; false once the daemon is stopping.
    private func beat(pruned: inout Date) -> Bool {
        let now = Date()
        if now.timeIntervalSince(pruned) >= 3600 {
            pruned = now
            do {
                let counts = try retention.prune(store, now: now)
                if counts.total > 0 { logger.info("pruned \(counts.total) old rows from the database") }
            } catch {
                logger.error("cannot prune the database: \(error)")
            }
        }
        return onCall.waitForDue(until: onCall.tick(at: Date()))
    }
}
