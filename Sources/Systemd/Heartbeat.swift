import Synchronization

/// A counter the supervision loop bumps once per cycle. The watchdog compares it between two
/// `WATCHDOG=1` messages: a count that has not moved means the loop is stuck. Once stopped (a
/// service failed and the daemon is going down), no more pings go out at all.
public final class Heartbeat: Sendable {
    private let value = Atomic<UInt64>(0)
    private let stopped = Atomic<Bool>(false)

    /// A heartbeat at zero: no cycle has completed yet.
    public init() {}

    /// One more completed cycle.
    public func beat() {
        value.add(1, ordering: .relaxed)
    }

    /// How many cycles have completed.
    public var count: UInt64 { value.load(ordering: .relaxed) }

    /// Withholds every later watchdog ping: the daemon is failing.
    public func stop() {
        stopped.store(true, ordering: .relaxed)
    }

    /// Whether ``stop()`` was called.
    public var isStopped: Bool { stopped.load(ordering: .relaxed) }
}
