import Foundation
public import Logging
import Platform
public import ServiceLifecycle
public import Store

/// Keeps on-call informed for the daemon's lifetime: delivers the webhook outbox, sends
/// reminders and flap settlements when they are due, and prunes the database hourly.
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
        var pruned = Date.distantPast
        while !Task.isShuttingDownGracefully {
            // Both wait for SQLite: on a thread of their own, never on the cooperative pool.
            if Date().timeIntervalSince(pruned) >= 3600 {
                let now = Date()
                pruned = now
                await BlockingWork.run("bk-oncall-prune") { [retention, store, logger] in
                    do {
                        let counts = try retention.prune(store, now: now)
                        if counts.total > 0 { logger.info("pruned \(counts.total) old rows from the database") }
                    } catch {
                        logger.error("cannot prune the database: \(error)")
                    }
                }
            }
            let next = await BlockingWork.run("bk-oncall-tick") { [onCall] in onCall.tick(at: Date()) }
            let wait = max(0.05, next.timeIntervalSinceNow)
            do { try await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(Int(wait * 1000))) } } catch { break }
        }
        await BlockingWork.run("bridgekeeper-webhooks-stop") { sender.stop() }
    }
}
