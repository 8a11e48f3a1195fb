import Synchronization

/// Waits for the parts the daemon needs before it is ready (the gateway and the control endpoint
/// bound) and calls `onReady` once, when the last of them reports.
public final class Readiness: Sendable {
    private let pending: Mutex<Set<String>?>
    private let onReady: @Sendable () -> Void

    /// Waits for every name in `parts`.
    public init(waitingFor parts: Set<String>, onReady: @escaping @Sendable () -> Void) {
        pending = Mutex(parts)
        self.onReady = onReady
    }

    /// `part` is up. The call that completes the set runs `onReady`; later calls do nothing.
    public func ready(_ part: String) {
        let complete = pending.withLock { pending -> Bool in
            guard pending != nil else { return false }
            pending?.remove(part)
            guard pending?.isEmpty == true else { return false }
            pending = nil
            return true
        }
        if complete { onReady() }
    }
}
