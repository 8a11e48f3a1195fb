/// When a managed bridge's listeners are checked: often right after it starts, when a bridge binds
/// its port, then at a slower pace for as long as it runs.
///
/// A pure value: the caller passes the instants, so the schedule is testable without sleeping.
public struct ExposureCheckSchedule: Sendable, Equatable {
    /// The interval between checks during the first `fastPeriod` after a start.
    public let fastInterval: Duration
    /// How long after a start checks come every `fastInterval`.
    public let fastPeriod: Duration
    /// The interval between checks after that.
    public let slowInterval: Duration

    /// Every 250 ms for the first 5 s, then every second.
    public init(fastInterval: Duration = .milliseconds(250), fastPeriod: Duration = .seconds(5), slowInterval: Duration = .seconds(1)) {
        precondition(fastInterval > .zero && slowInterval > .zero, "exposure check intervals must be positive")
        self.fastInterval = fastInterval
        self.fastPeriod = fastPeriod
        self.slowInterval = slowInterval
    }

    /// The check after the one made at `last`, for a process started at `start`.
    public func next(after last: ContinuousClock.Instant, startedAt start: ContinuousClock.Instant) -> ContinuousClock.Instant {
        last + (last - start < fastPeriod ? fastInterval : slowInterval)
    }
}
