import BridgeProbe
import Foundation
import Testing

/// Hysteresis on an injected clock.
@Suite("BridgeHealth hysteresis")
struct BridgeHealthTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)
    func at(_ seconds: Double) -> Date { start.addingTimeInterval(seconds) }
    static let live = ProbeVerdict(.live, reason: "GET /v1/models answered 200", httpStatus: 200)
    static let down = ProbeVerdict(.down, reason: "connection refused")
    static let degraded = ProbeVerdict(.degraded, reason: "GET /v1/models answered 503", httpStatus: 503)
    static let auth = ProbeVerdict(.authRequired, reason: "GET /v1/models answered 401", message: "Sign in.", httpStatus: 401)

    @Test("a first live or auth_required verdict is taken at once", arguments: [live, auth])
    func firstVerdict(verdict: ProbeVerdict) {
        var health = BridgeHealth(start: start)
        #expect(health.state == .unknown)
        let transition = health.observe(verdict, at: at(1))
        #expect(transition?.from == .unknown)
        #expect(transition?.to == verdict.state)
        #expect(health.since == at(1))
    }

    @Test("a first failure is not believed alone: a bridge starting with the daemon is not called down", arguments: [down, degraded])
    func firstFailure(verdict: ProbeVerdict) {
        var health = BridgeHealth(start: start)
        #expect(health.observe(verdict, at: at(1)) == nil)
        #expect(health.state == .unknown)
        #expect(health.reason == verdict.reason + " (not confirmed yet)")
        #expect(health.observe(verdict, at: at(11))?.to == verdict.state)
        #expect(health.since == at(11))
    }

    @Test("a live bridge goes down only after two failures in a row; one success brings it back")
    func defaults() {
        var health = BridgeHealth(start: start)
        _ = health.observe(Self.live, at: at(0))
        #expect(health.observe(Self.down, at: at(10)) == nil)
        #expect(health.state == .live)
        #expect(health.observe(Self.live, at: at(20)) == nil)  // the streak is broken
        #expect(health.observe(Self.down, at: at(30)) == nil)
        let fall = health.observe(Self.degraded, at: at(40))
        #expect(fall?.to == .degraded)
        #expect(fall?.reason == "GET /v1/models answered 503")
        #expect(health.since == at(40))
        let rise = health.observe(Self.live, at: at(50))
        #expect(rise?.from == .degraded)
        #expect(rise?.to == .live)
    }

    @Test("N failures to fall and M successes to rise are honoured")
    func thresholds() {
        var health = BridgeHealth(failuresToFall: 3, successesToRise: 2, start: start)
        _ = health.observe(Self.live, at: at(0))
        #expect(health.observe(Self.down, at: at(1)) == nil)
        #expect(health.observe(Self.down, at: at(2)) == nil)
        #expect(health.observe(Self.down, at: at(3))?.to == .down)
        #expect(health.observe(Self.live, at: at(4)) == nil)
        #expect(health.observe(Self.live, at: at(5))?.to == .live)
    }

    @Test("auth_required, tunnel_down and exposed are taken at once, and left after one success")
    func immediate() {
        for state in [BridgeState.authRequired, .tunnelDown, .exposed] {
            var health = BridgeHealth(failuresToFall: 5, start: start)
            _ = health.observe(Self.live, at: at(0))
            let transition = health.observe(ProbeVerdict(state, reason: "r", message: "m"), at: at(1))
            #expect(transition?.to == state)
            #expect(transition?.message == "m")
            #expect(health.observe(Self.live, at: at(2))?.to == .live)
        }
    }

    @Test("a repeated state refreshes reason and message without a transition")
    func refresh() {
        var health = BridgeHealth(start: start)
        _ = health.observe(Self.auth, at: at(0))
        #expect(health.observe(ProbeVerdict(.authRequired, reason: "GET /v1/models answered 403", message: "Token expired."), at: at(5)) == nil)
        #expect(health.reason == "GET /v1/models answered 403")
        #expect(health.message == "Token expired.")
        #expect(health.since == at(0))
    }
}
