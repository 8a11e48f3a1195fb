import Foundation

/// A passive circuit breaker for one route, tripped by live traffic that says the bridge is unwell:
/// each failure opens it for a cool-down (1 s, doubling to 30 s while failures go on); once the
/// cool-down has passed requests may try again (half-open); a success closes it. Pure: time comes
/// in as a parameter.
struct CircuitBreaker: Sendable, Equatable {
    private(set) var failures = 0
    private(set) var openUntil: Date?
    static let base: Duration = .seconds(1)
    static let cap: Duration = .seconds(30)

    /// Whether a request may be sent now. An expired cool-down lets requests through (half-open);
    /// the next failure re-opens it for longer.
    func allows(at now: Date) -> Bool {
        guard let openUntil else { return true }
        return now >= openUntil
    }

    /// A request failed in a way that says the bridge is unwell.
    mutating func failed(at now: Date) {
        failures += 1
        let coolDown = min(Self.cap, Self.base * (1 << min(failures - 1, 16)))
        openUntil = now.addingTimeInterval(Double(coolDown.components.seconds))
    }

    /// A request got an answer.
    mutating func succeeded() {
        failures = 0
        openUntil = nil
    }
}
