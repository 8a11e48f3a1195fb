/// Which refusals to log, so a flood of bad requests cannot flood the journal: the first of each
/// reason is logged at once, the ones after it within `interval` are only counted, and the next
/// one after that is logged with how many were held back. A pure value, told the time.
struct RefusalLog: Sendable {
    /// At most one line per reason per this.
    let interval: Duration
    private var reasons: [RequestRefusal: (loggedAt: ContinuousClock.Instant, heldBack: Int)] = [:]

    init(interval: Duration = .seconds(60)) {
        self.interval = interval
    }

    /// A refusal for `reason` at `now`: nil when it is only counted, else how many refusals the
    /// line to log stands for (this one and those held back since the last line).
    mutating func refusal(_ reason: RequestRefusal, at now: ContinuousClock.Instant) -> Int? {
        if let last = reasons[reason], now < last.loggedAt + interval {
            reasons[reason] = (last.loggedAt, last.heldBack + 1)
            return nil
        }
        let count = 1 + (reasons[reason]?.heldBack ?? 0)
        reasons[reason] = (now, 0)
        return count
    }
}
