import Synchronization

/// The circuit breakers of every bridge, shared by all requests.
final class BreakerBoard: Sendable {
    private let breakers = Mutex<[String: CircuitBreaker]>([:])

    func allows(_ bridge: String, at now: ContinuousClock.Instant = .now) -> Bool {
        breakers.withLock { $0[bridge, default: CircuitBreaker()].allows(at: now) }
    }

    func failed(_ bridge: String, at now: ContinuousClock.Instant = .now) {
        breakers.withLock { $0[bridge, default: CircuitBreaker()].failed(at: now) }
    }

    func succeeded(_ bridge: String) {
        breakers.withLock { $0[bridge]?.succeeded() }
    }
}
