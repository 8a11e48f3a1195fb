/// When to send `WATCHDOG=1`: every half of `WATCHDOG_USEC`, and only if the ``Heartbeat`` moved
/// since the last one sent. A stuck supervision loop therefore stops the pings, and systemd
/// restarts the daemon once `WATCHDOG_USEC` has passed without one. Pure: the caller passes the
/// time, so tests drive it with instants of their choosing.
public struct Watchdog: Sendable {
    /// What to do now.
    public enum Step: Sendable, Equatable {
        /// Send `WATCHDOG=1`, then look again at `next`.
        case ping(next: ContinuousClock.Instant)
        /// Not due yet: look again at `next`.
        case wait(next: ContinuousClock.Instant)
        /// Due, but the heartbeat has not moved for `stalledFor`: send nothing, look again at `next`
        /// (soon, so a loop that recovers is pinged for at once).
        case stalled(for: Duration, next: ContinuousClock.Instant)
    }

    /// `WATCHDOG_USEC`: how long systemd waits for a ping before it restarts the service.
    public let timeout: Duration
    /// How often to ping: half the timeout, as sd_watchdog_enabled(3) advises.
    public var interval: Duration { timeout / 2 }

    private var seen: UInt64 = 0
    private var seenAt: ContinuousClock.Instant
    private var pinged: UInt64 = 0
    private var pingedAt: ContinuousClock.Instant?

    /// A watchdog for `timeout`, started at `start` with no heartbeat yet: the first ping waits
    /// for the first completed cycle.
    public init(timeout: Duration, start: ContinuousClock.Instant) {
        self.timeout = timeout
        seenAt = start
    }

    /// The watchdog timeout systemd asks for in `environment`: `WATCHDOG_USEC` (a positive number of
    /// microseconds), provided `WATCHDOG_PID` is unset or `pid`. Nil means no watchdog.
    public static func timeout(environment: [String: String], pid: Int32) -> Duration? {
        guard let text = environment["WATCHDOG_USEC"], let usec = UInt64(text), usec > 0, usec <= UInt64(Int64.max) else { return nil }
        if let owner = environment["WATCHDOG_PID"], Int32(owner) != pid { return nil }
        return .microseconds(Int64(usec))
    }

    /// Decides at `now`, with the heartbeat at `heartbeat`.
    public mutating func check(heartbeat: UInt64, at now: ContinuousClock.Instant) -> Step {
        if heartbeat != seen {
            seen = heartbeat
            seenAt = now
        }
        if let pingedAt, now < pingedAt + interval { return .wait(next: pingedAt + interval) }
        guard heartbeat != pinged else {
            return .stalled(for: seenAt.duration(to: now), next: now + max(interval / 4, .milliseconds(1)))
        }
        pinged = heartbeat
        pingedAt = now
        return .ping(next: now + interval)
    }
}
