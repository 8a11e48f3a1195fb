import Platform
import TestSupport
import Testing

/// Reconnect delays on an injected clock and a seeded random source: no sleeping.
@Suite("Backoff")
struct BackoffTests {
    /// The design's ceilings for attempts 0…7.
    static let ceilings: [Duration] = [
        .milliseconds(500), .seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(16), .seconds(30), .seconds(30),
    ]

    @Test("ceilings double from 500 ms and stop at 30 s")
    func ceilingSequence() {
        let backoff = Backoff()
        #expect((0..<8).map { backoff.ceiling(attempt: $0) } == Self.ceilings)
        #expect(backoff.ceiling(attempt: 100) == .seconds(30))
        #expect(backoff.ceiling(attempt: Int.max) == .seconds(30))
    }

    @Test("every draw lies within 0…ceiling(attempt)", arguments: [1 as UInt64, 42, 0xDEAD_BEEF])
    func drawsWithinCeiling(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        let start = ContinuousClock.now
        for round in 0..<500 {
            var backoff = Backoff()
            for (attempt, ceiling) in Self.ceilings.enumerated() {
                #expect(backoff.attempt == attempt)
                let delay = backoff.failed(at: start + .seconds(round * 10 + attempt), using: &random)
                #expect(delay >= .zero && delay <= ceiling, "attempt \(attempt) drew \(delay), ceiling \(ceiling)")
            }
        }
    }

    @Test("draws are jittered: not all equal, spread over both halves of the range")
    func drawsAreJittered() {
        var random = SplitMix64(seed: 7)
        let now = ContinuousClock.now
        for (attempt, ceiling) in Self.ceilings.enumerated() {
            var draws: [Duration] = []
            for _ in 0..<400 {
                var backoff = Backoff()
                for _ in 0..<attempt { _ = backoff.failed(at: now, using: &random) }
                draws.append(backoff.failed(at: now, using: &random))
            }
            #expect(Set(draws).count > 300, "attempt \(attempt): only \(Set(draws).count) distinct draws")
            let half = ceiling / 2
            let low = draws.filter { $0 < half }.count
            let high = draws.filter { $0 > half }.count
            #expect(low > 100 && high > 100, "attempt \(attempt): \(low) below and \(high) above \(half)")
            #expect(draws.contains { $0 < ceiling / 10 }, "attempt \(attempt): nothing near zero")
            #expect(draws.contains { $0 > ceiling * 9 / 10 }, "attempt \(attempt): nothing near the ceiling")
        }
    }

    @Test("a session up for 60 s or more restarts the sequence")
    func resetsAfterStablePeriod() {
        var random = SplitMix64(seed: 3)
        let t = ContinuousClock.now
        for upFor in [Duration.seconds(61), .seconds(60), .seconds(3600)] {
            var backoff = Backoff()
            for i in 0..<5 { _ = backoff.failed(at: t + .seconds(i), using: &random) }
            #expect(backoff.attempt == 5)
            backoff.succeeded(at: t + .seconds(10))
            let delay = backoff.failed(at: t + .seconds(10) + upFor, using: &random)
            #expect(backoff.attempt == 1, "up for \(upFor): the failing attempt should have been attempt 0")
            #expect(delay <= .milliseconds(500))
            // And it grows again from there.
            _ = backoff.failed(at: t + .seconds(10) + upFor + .seconds(1), using: &random)
            #expect(backoff.attempt == 2)
        }
    }

    @Test("a session up for only 59 s does not restart the sequence")
    func noResetBeforeStablePeriod() {
        var random = SplitMix64(seed: 4)
        let t = ContinuousClock.now
        for upFor in [Duration.seconds(59), .milliseconds(59_999), .zero] {
            var backoff = Backoff()
            for i in 0..<5 { _ = backoff.failed(at: t + .seconds(i), using: &random) }
            backoff.succeeded(at: t + .seconds(10))
            _ = backoff.failed(at: t + .seconds(10) + upFor, using: &random)
            #expect(backoff.attempt == 6, "up for \(upFor) reset the sequence")
        }
    }

    @Test("a success long ago does not count once a failure followed it")
    func successIsConsumedByFailure() {
        var random = SplitMix64(seed: 5)
        let t = ContinuousClock.now
        var backoff = Backoff()
        backoff.succeeded(at: t)
        _ = backoff.failed(at: t + .seconds(1), using: &random)
        _ = backoff.failed(at: t + .seconds(2), using: &random)
        // 120 s after the only success, but with failures in between: no reset.
        _ = backoff.failed(at: t + .seconds(120), using: &random)
        #expect(backoff.attempt == 3)
    }

    @Test("failures without a success keep growing, up to the cap")
    func growsWithoutSuccess() {
        var random = SplitMix64(seed: 6)
        let t = ContinuousClock.now
        var backoff = Backoff()
        for i in 0..<20 {
            #expect(backoff.attempt == i)
            let delay = backoff.failed(at: t + .seconds(i * 100), using: &random)
            #expect(delay <= backoff.ceiling(attempt: i))
        }
        #expect(backoff.attempt == 20)
        #expect(backoff.ceiling(attempt: backoff.attempt) == .seconds(30))
    }
}
