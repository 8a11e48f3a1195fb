import Foundation

/// State shared by a thread of the daemon's own (a probe worker, the ledger writer, the webhook
/// sender) and the code that feeds it, guarded by one condition variable: read and changed only
/// inside ``withLock(_:)``, waited for only in ``wait(_:)``.
///
/// The one `@unchecked Sendable` outside the C-handle wrappers. Its invariant: `state` is touched
/// only while `condition` is locked, and every method takes and releases the lock itself, so no
/// caller can reach `state` without it.
public final class GuardedState<State>: @unchecked Sendable {
    /// What ``wait(_:)``'s body decided.
    public enum Decision<Value> {
        /// Wait for a ``change(_:)`` (or at most until the instant, when given; one already past
        /// decides again at once), then decide again.
        case wait(until: ContinuousClock.Instant?)
        /// Stop waiting and return the value.
        case done(Value)
    }

    private let condition = NSCondition()
    private var state: State

    /// Guards `state`.
    public init(_ state: State) {
        self.state = state
    }

    /// Runs `body` on the state under the lock.
    public func withLock<Value>(_ body: (inout State) throws -> Value) rethrows -> Value {
        condition.lock()
        defer { condition.unlock() }
        return try body(&state)
    }

    /// Runs `body` on the state under the lock, then wakes every waiter to decide again.
    public func change<Value>(_ body: (inout State) throws -> Value) rethrows -> Value {
        condition.lock()
        defer {
            condition.broadcast()
            condition.unlock()
        }
        return try body(&state)
    }

    /// Wakes every waiter to decide again, for a change already made under ``withLock(_:)``.
    public func wakeWaiters() {
        condition.lock()
        condition.broadcast()
        condition.unlock()
    }

    /// Runs `decide` on the state under the lock until it is done, waiting in between as it says.
    /// The lock is released only while waiting, so nothing changes between a decision and the
    /// wait it asks for.
    public func wait<Value>(_ decide: (inout State) -> Decision<Value>) -> Value {
        condition.lock()
        defer { condition.unlock() }
        while true {
            switch decide(&state) {
            case .done(let value):
                return value
            case .wait(until: nil):
                condition.wait()
            case .wait(until: let deadline?):
                let remaining = ContinuousClock.now.duration(to: deadline)
                if remaining > .zero { _ = condition.wait(until: Date().addingTimeInterval(remaining.timeInterval)) }
            }
        }
    }
}
