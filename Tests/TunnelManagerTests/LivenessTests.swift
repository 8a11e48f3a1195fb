import Testing
@testable import TunnelManager

/// Silence detection on an injected clock.
@Suite("Liveness")
struct LivenessTests {
    @Test("dead after exactly three keepalive intervals of silence, not before")
    func deadAfterThreeIntervals() {
        let t0 = ContinuousClock.now
        let liveness = Liveness(keepalive: .seconds(2), now: t0)
        #expect(liveness.deadline == .seconds(6))
        #expect(!liveness.isDead(at: t0))
        #expect(!liveness.isDead(at: t0 + .seconds(4)))
        #expect(!liveness.isDead(at: t0 + .seconds(6) - .nanoseconds(1)))
        #expect(liveness.isDead(at: t0 + .seconds(6)))
        #expect(liveness.isDead(at: t0 + .seconds(60)))
    }

    @Test("heard(at:) restarts the count; an older instant does not move it back")
    func heardResets() {
        let t0 = ContinuousClock.now
        var liveness = Liveness(keepalive: .seconds(5), now: t0)
        liveness.heard(at: t0 + .seconds(10))
        #expect(liveness.lastInbound == t0 + .seconds(10))
        #expect(!liveness.isDead(at: t0 + .seconds(15)))
        #expect(!liveness.isDead(at: t0 + .seconds(25) - .milliseconds(1)))
        #expect(liveness.isDead(at: t0 + .seconds(25)))

        liveness.heard(at: t0 + .seconds(3))
        #expect(liveness.lastInbound == t0 + .seconds(10))
        #expect(liveness.isDead(at: t0 + .seconds(25)))
    }

    @Test("remaining(at:) counts down to zero and never below")
    func remaining() {
        let t0 = ContinuousClock.now
        var liveness = Liveness(keepalive: .seconds(2), now: t0)
        #expect(liveness.remaining(at: t0) == .seconds(6))
        #expect(liveness.remaining(at: t0 + .milliseconds(1500)) == .milliseconds(4500))
        #expect(liveness.remaining(at: t0 + .seconds(6)) == .zero)
        #expect(liveness.remaining(at: t0 + .seconds(100)) == .zero)
        liveness.heard(at: t0 + .seconds(5))
        #expect(liveness.remaining(at: t0 + .seconds(6)) == .seconds(5))
    }

    @Test(
        "effectiveKeepalive rounds up to whole seconds, at least two",
        arguments: [
            (Duration.milliseconds(500), Duration.seconds(2)),
            (.seconds(1), .seconds(2)),
            (.seconds(2), .seconds(2)),
            (.seconds(5), .seconds(5)),
            (.milliseconds(2500), .seconds(3)),
            (.zero, .seconds(2)),
        ])
    func effectiveKeepalive(configured: Duration, expected: Duration) {
        #expect(Liveness.effectiveKeepalive(configured) == expected)
    }
}
