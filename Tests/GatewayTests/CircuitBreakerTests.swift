import Foundation
import Testing

@testable import Gateway

@Suite("CircuitBreaker")
struct CircuitBreakerTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    @Test("closed until a failure; open for 1 s, then 2, 4 … capped at 30 s; a success closes it")
    func coolDown() {
        var breaker = CircuitBreaker()
        #expect(breaker.allows(at: start))
        var now = start
        for expected in [1.0, 2, 4, 8, 16, 30, 30] {
            breaker.failed(at: now)
            #expect(!breaker.allows(at: now + expected - 0.001))
            #expect(breaker.allows(at: now + expected))  // half-open: one may try
            now += expected
        }
        breaker.succeeded()
        #expect(breaker.allows(at: now))
        breaker.failed(at: now)
        #expect(breaker.allows(at: now + 1))
    }
}
