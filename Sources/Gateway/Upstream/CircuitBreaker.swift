/// A passive circuit breaker for one bridge, tripped by live traffic: a refused connection or a
/// 5xx before the first byte opens it for a cool-down (1 s, doubling to 30 s while failures go
/// on); after the cool-down one request may try (half-open); a success closes it. Pure: time comes
/// in as a parameter.
struct CircuitBreaker: Sendable, Equatable {
    private(set) var failures = 0
    private(set) var openUntil: ContinuousClock.Instant?
    static let base: Duration = .seconds(1)
    static let cap: Duration = .seconds(30)

    /// Whether a request may be sent now. An expired cool-down lets requests through (half-open);
    /// the next failure re-opens it for longer.
    func allows(at now: ContinuousClock.Instant) -> Bool {
        guard let openUntil else { return true }
        return now >= openUntil
    }

    /// A request failed before its first byte.
    mutating func failed(at now: ContinuousClock.Instant) {
        failures += 1
        let coolDown = min(Self.cap, Self.base * (1 << min(failures - 1, 16)))
        openUntil = now + coolDown
    }

    /// A request got an answer.
    mutating func succeeded() {
        failures = 0
        openUntil = nil
    }
}
