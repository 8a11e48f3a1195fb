/// Reconnect delays: exponential with full jitter, reset after a stable period.
///
/// A pure value on an injected clock: the caller says when the session came up and when it failed,
/// and supplies the random source, so the sequence is testable without sleeping.
public struct Backoff: Sendable, Equatable {
    /// The ceiling of the first delay.
    public let base: Duration
    /// The largest ceiling.
    public let cap: Duration
    /// A session up at least this long resets the sequence.
    public let resetAfter: Duration
    /// Failures since the last reset.
    public private(set) var attempt = 0
    private var upSince: ContinuousClock.Instant?

    /// The defaults from the design: 500 ms base, 30 s cap, reset after 60 s stable.
    public init(base: Duration = .milliseconds(500), cap: Duration = .seconds(30), resetAfter: Duration = .seconds(60)) {
        precondition(base > .zero && cap >= base, "backoff needs 0 < base <= cap")
        self.base = base
        self.cap = cap
        self.resetAfter = resetAfter
    }

    /// The largest delay the given attempt may draw: `min(cap, base × 2^attempt)`.
    public func ceiling(attempt: Int) -> Duration {
        var ceiling = base
        for _ in 0..<min(attempt, 62) {
            ceiling = ceiling * 2
            if ceiling >= cap { return cap }
        }
        return ceiling
    }

    /// The session came up (and is serving) at `now`.
    public mutating func succeeded(at now: ContinuousClock.Instant) {
        upSince = now
    }

    /// The session failed at `now`; returns how long to wait, drawn uniformly from
    /// `0...ceiling(attempt)` ("full jitter"), and advances the attempt.
    public mutating func failed(
        at now: ContinuousClock.Instant, using random: inout some RandomNumberGenerator
    ) -> Duration {
        if let upSince, now - upSince >= resetAfter { attempt = 0 }
        upSince = nil
        let limit = ceiling(attempt: attempt)
        attempt += 1
        let nanoseconds = limit.components.seconds * 1_000_000_000 + limit.components.attoseconds / 1_000_000_000
        return .nanoseconds(Int64.random(in: 0...nanoseconds, using: &random))
    }
}
