import Foundation
public import ServiceLifecycle

/// Keeps on-call informed for the daemon's lifetime: delivers the webhook outbox and sends
/// reminders and flap settlements when they are due.
public struct OnCallService: Service {
    private let onCall: OnCall
    private let sender: WebhookSender

    /// A service for `onCall`, whose outbox `sender` delivers.
    public init(onCall: OnCall, sender: WebhookSender) {
        self.onCall = onCall
        self.sender = sender
    }

    public func run() async throws {
        sender.start()
        while !Task.isShuttingDownGracefully {
            let next = onCall.tick(at: Date())
            let wait = max(0.05, next.timeIntervalSinceNow)
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(Int(wait * 1000))) }
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread {
                sender.stop()
                continuation.resume()
            }
        }
    }
}
