import Synchronization

/// A counter the supervision loop bumps once per cycle. The watchdog compares it between two
/// `WATCHDOG=1` messages: a count that has not moved means the loop is stuck.
public final class Heartbeat: Sendable {
    private let value = Atomic<UInt64>(0)

    /// A heartbeat at zero: no cycle has completed yet.
    public init() {}

    /// One more completed cycle.
    public func beat() {
        value.add(1, ordering: .relaxed)
    }

    /// How many cycles have completed.
    public var count: UInt64 { value.load(ordering: .relaxed) }
}
