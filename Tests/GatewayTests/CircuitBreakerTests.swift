import Testing

@testable import Gateway

@Suite("CircuitBreaker")
struct CircuitBreakerTests {
    let start = ContinuousClock.now

    @Test("closed until a failure; open for 1 s, then 2, 4 … capped at 30 s; a success closes it")
    func coolDown() {
        var breaker = CircuitBreaker()
        #expect(breaker.allows(at: start))
        var now = start
        for expected in [1, 2, 4, 8, 16, 30, 30] {
            breaker.failed(at: now)
            #expect(!breaker.allows(at: now + .seconds(expected) - .milliseconds(1)))
            #expect(breaker.allows(at: now + .seconds(expected)))  // half-open: one may try
            now += .seconds(expected)
        }
        breaker.succeeded()
        #expect(breaker.allows(at: now))
        breaker.failed(at: now)
        #expect(breaker.allows(at: now + .seconds(1)))
    }
}
