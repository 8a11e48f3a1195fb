import CurlHTTP
public import Foundation
public import Logging
import Platform
public import Store

/// Delivers the webhook outbox: on a thread of its own, posts every due message to its webhook
/// and marks it delivered on a 2xx answer; otherwise tries again later, backing off from 10 s to
/// 15 minutes. Messages are in the database, so nothing is lost while an endpoint is down or the
/// daemon restarts. Errors name the webhook, never its URL (which may hold a token).
public final class WebhookSender: Sendable {
    private struct State {
        var stopped = false
        var pending = false
        var started = false
        var finished = false
    }

    private let store: Store
    private let webhooks: [String: WebhookDestination]
    private let logger: Logger
    private let timeout: Duration
    private let state = GuardedState(State())

    /// A sender for the configured `webhooks`, reading `store`'s outbox.
    public init(store: Store, webhooks: [WebhookDestination], logger: Logger, timeout: Duration = .seconds(10)) {
        self.store = store
        self.webhooks = Dictionary(webhooks.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.logger = logger
        self.timeout = timeout
    }

    /// The delay before attempt `attempts + 1`: 10 s doubling to at most 15 minutes.
    public static func retryDelay(afterAttempts attempts: Int) -> TimeInterval {
        min(900, 10 * pow(2, Double(max(0, attempts - 1))))
    }

    /// Starts delivering; whatever the outbox holds from before a restart goes first.
    public func start() {
        let first = state.withLock { state in
            defer { state.started = true }
            return !state.started
        }
        if first { DedicatedThread.start("bk-webhooks") { [self] in run() } }
    }

    /// Delivers new messages now rather than at the next periodic look.
    public func wake() {
        state.change { $0.pending = true }
    }

    /// Stops after the delivery in flight, if any (each ends within the timeout).
    public func stop() {
        state.change { $0.stopped = true }
        state.wait { $0.started && !$0.finished ? .wait(until: nil) : .done(()) }
    }

    private func run() {
        defer { state.change { $0.finished = true } }
        while true {
            let stopped = state.withLock { state in
                state.pending = false
                return state.stopped
            }
            if stopped { return }
            let next = deliverDue(now: Date())
            // Look again when the next retry is due, or within a minute to be safe.
            let lookAgain = ContinuousClock.now + .seconds(min(60, max(0, (next ?? .distantFuture).timeIntervalSinceNow)))
            state.wait { state in
                state.stopped || state.pending || ContinuousClock.now >= lookAgain ? .done(()) : .wait(until: lookAgain)
            }
        }
    }

    /// Delivers every message due at `now` (the caller's clock, also used to schedule retries);
    /// returns when the next retry is due, if one is known.
    @discardableResult
    public func deliverDue(now: Date) -> Date? {
        let due: [OutboxMessage]
        do {
            due = try store.dueMessages(now: now, limit: 100)
        } catch {
            logger.error("webhooks: cannot read the outbox: \(error)")
            return now.addingTimeInterval(30)
        }
        var next: Date?
        for message in due {
            guard let id = message.id else { continue }
            let outcome = deliver(message)
            do {
                if let problem = outcome {
                    let attempts = message.attempts + 1
                    let retry = now.addingTimeInterval(Self.retryDelay(afterAttempts: attempts))
                    try store.reschedule(id: id, attempts: attempts, nextAttemptAt: retry, lastError: problem)
                    next = min(next ?? retry, retry)
                    logger.warning(
                        "webhook \(message.webhook): \(message.event) not delivered (attempt \(attempts)): \(problem); next try in \(Int(Self.retryDelay(afterAttempts: attempts))) s",
                        metadata: ["webhook": "\(message.webhook)"])
                } else {
                    try store.markDelivered(id: id, at: now)
                    logger.info("webhook \(message.webhook): \(message.event) delivered", metadata: ["webhook": "\(message.webhook)"])
                }
            } catch {
                logger.error("webhooks: cannot update the outbox: \(error)")
            }
        }
        return next
    }

    /// Posts one message; nil when delivered, else why not.
    private func deliver(_ message: OutboxMessage) -> String? {
        guard let webhook = webhooks[message.webhook] else {
            return "webhook \(message.webhook) is no longer configured"
        }
        let request = HTTPRequest(
            method: .post, url: webhook.url,
            headers: [("Content-Type", message.contentType)] + message.headers.sorted { $0.key < $1.key }.map { ($0.key, $0.value) },
            body: Array(message.body.utf8), timeout: timeout, useProxy: true)
        switch HTTPExchange.perform(request).result {
        case .response(let status, _, _) where (200..<300).contains(status):
            return nil
        case .response(let status, _, _):
            return "answered \(status)"
        case .failure(let failure):
            return failure.detail
        }
    }
}
