import ManagedBridges
import Platform
import TestSupport
import Testing

/// The managed-bridge lifecycle on instants and random numbers of the test's choosing: no
/// processes, no threads, no sleeps.
@Suite("ManagedBridgeLifecycle")
struct ManagedBridgeLifecycleTests {
    let t0 = ContinuousClock.now
    func at(_ seconds: Double) -> ContinuousClock.Instant { t0 + .milliseconds(Int(seconds * 1000)) }

    @Test("start, run, end, back off by at least half the ceiling, start again")
    func restartsAfterAnEnd() {
        var random = SplitMix64(seed: 7)
        var lifecycle = ManagedBridgeLifecycle(backoff: Backoff(base: .seconds(1), cap: .seconds(30), resetAfter: .seconds(60)))
        #expect(lifecycle.state == .stopped)
        #expect(lifecycle.handle(.begin, random: &random) == .start)
        #expect(lifecycle.state == .starting)
        #expect(lifecycle.handle(.began(pid: 42, at: at(0)), random: &random) == .supervise)
        #expect(lifecycle.state == .running(pid: 42))
        guard case .wait(let until) = lifecycle.handle(.ended("exited with status 1", at: at(5)), random: &random) else {
            Issue.record("no backoff after an end: \(lifecycle.state)")
            return
        }
        #expect(until >= at(5.5) && until <= at(6), "the first delay lies in [0.5 s, 1 s]")
        #expect(lifecycle.state == .backoff(until: until, lastExit: "exited with status 1"))
        #expect(lifecycle.handle(.backoffOver, random: &random) == .start)
        #expect(lifecycle.state == .starting)
    }

    @Test("a command that cannot start backs off ever more slowly, up to the cap")
    func couldNotStartBacksOff() {
        var random = SplitMix64(seed: 3)
        var lifecycle = ManagedBridgeLifecycle(backoff: Backoff(base: .seconds(1), cap: .seconds(8), resetAfter: .seconds(60)))
        _ = lifecycle.handle(.begin, random: &random)
        var now = at(0)
        var delays: [Duration] = []
        for _ in 0..<6 {
            guard case .wait(let until) = lifecycle.handle(.couldNotStart("cannot start /nope: No such file or directory", at: now), random: &random) else {
                Issue.record("no backoff: \(lifecycle.state)")
                return
            }
            delays.append(now.duration(to: until))
            now = until
            #expect(lifecycle.handle(.backoffOver, random: &random) == .start)
        }
        let ceilings: [Duration] = [.seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(8), .seconds(8)]
        for (delay, ceiling) in zip(delays, ceilings) {
            #expect(delay >= ceiling / 2 && delay <= ceiling, "\(delay) outside [\(ceiling / 2), \(ceiling)]")
        }
    }

    @Test(
        "exposed is final: no event after it starts the bridge again, and a stop leaves it exposed",
        arguments: [
            ManagedBridgeLifecycle.Event.backoffOver, .begin, .stopRequested, .ended("killed by signal 9", at: .now),
            .couldNotStart("x", at: .now), .began(pid: 7, at: .now), .exposed("again"),
        ])
    func exposedIsFinal(after event: ManagedBridgeLifecycle.Event) {
        var random = SplitMix64(seed: 1)
        var lifecycle = ManagedBridgeLifecycle(backoff: Backoff())
        _ = lifecycle.handle(.begin, random: &random)
        _ = lifecycle.handle(.began(pid: 42, at: at(0)), random: &random)
        #expect(lifecycle.handle(.exposed("listening on 0.0.0.0:3253"), random: &random) == .finish)
        #expect(lifecycle.handle(event, random: &random) == .finish)
        #expect(lifecycle.state == .exposed(reason: "listening on 0.0.0.0:3253"))
    }

    @Test("a stop ends it from every other state", arguments: [0, 1, 2])
    func stopFinishes(steps: Int) {
        var random = SplitMix64(seed: 1)
        var lifecycle = ManagedBridgeLifecycle(backoff: Backoff())
        let events: [ManagedBridgeLifecycle.Event] = [.begin, .began(pid: 42, at: at(0)), .ended("exited with status 0", at: at(1))]
        for event in events.prefix(steps + 1) { _ = lifecycle.handle(event, random: &random) }
        #expect(lifecycle.handle(.stopRequested, random: &random) == .finish)
        #expect(lifecycle.state == .stopped)
    }
}
