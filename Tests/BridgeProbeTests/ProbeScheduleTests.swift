import BridgeProbe
import Testing

/// The probe schedule on instants of the test's choosing: no threads, no sleeps.
@Suite("ProbeSchedule")
struct ProbeScheduleTests {
    let t0 = ContinuousClock.now

    func at(_ milliseconds: Int) -> ContinuousClock.Instant { t0 + .milliseconds(milliseconds) }

    static func target(_ name: String, every interval: Duration = .milliseconds(200), path: String = "/v1/models") -> ProbeTarget {
        ProbeTarget(name: name, baseURL: "http://127.0.0.1:1", path: path, interval: interval, timeout: .seconds(1), throughTunnel: false)
    }

    static func always(_: String) -> Bool { true }

    @Test("nothing is due before start; then every bridge at once, one probe of each at a time")
    func start() {
        var schedule = ProbeSchedule(targets: [Self.target("a"), Self.target("b")])
        #expect(schedule.next(at: at(0), mayProbe: Self.always) == .idle)
        schedule.start(at: at(0))
        var probed: [String] = []
        while case .probe(let target) = schedule.next(at: at(0), mayProbe: Self.always) { probed.append(target.name) }
        #expect(probed.sorted() == ["a", "b"])
        #expect(schedule.next(at: at(0), mayProbe: Self.always) == .idle, "both are in flight")
    }

    @Test("the next probe is an interval after the last one ended, however long it took")
    func interval() {
        var schedule = ProbeSchedule(targets: [Self.target("a")])
        schedule.start(at: at(0))
        #expect(schedule.next(at: at(0), mayProbe: Self.always) == .probe(Self.target("a")))
        schedule.finished("a", at: at(700))
        #expect(schedule.next(at: at(700), mayProbe: Self.always) == .wait(until: at(900)))
        #expect(schedule.next(at: at(899), mayProbe: Self.always) == .wait(until: at(900)))
        #expect(schedule.next(at: at(900), mayProbe: Self.always) == .probe(Self.target("a")))
    }

    @Test("a bridge whose tunnel is not up is sent nothing and is due an interval later")
    func mayNotProbe() {
        var schedule = ProbeSchedule(targets: [Self.target("a")])
        schedule.start(at: at(0))
        var asked: [String] = []
        #expect(schedule.next(at: at(10), mayProbe: { asked.append($0); return false }) == .wait(until: at(210)))
        #expect(asked == ["a"])
        #expect(schedule.next(at: at(210), mayProbe: Self.always) == .probe(Self.target("a")))
    }

    @Test("probeSoon: due at once; during a probe, the next follows it at once; unknown names and a schedule not started are ignored")
    func probeSoon() {
        var schedule = ProbeSchedule(targets: [Self.target("a", every: .seconds(60))])
        schedule.probeSoon("a", at: at(0))
        #expect(schedule.next(at: at(0), mayProbe: Self.always) == .idle, "not started")
        schedule.start(at: at(0))
        #expect(schedule.next(at: at(0), mayProbe: Self.always) == .probe(Self.target("a", every: .seconds(60))))
        schedule.finished("a", at: at(5))
        schedule.probeSoon("a", at: at(100))
        #expect(schedule.next(at: at(100), mayProbe: Self.always) == .probe(Self.target("a", every: .seconds(60))))
        schedule.probeSoon("a", at: at(110))
        #expect(schedule.next(at: at(110), mayProbe: Self.always) == .idle, "never two probes of one bridge at once")
        schedule.finished("a", at: at(150))
        #expect(schedule.next(at: at(150), mayProbe: Self.always) == .probe(Self.target("a", every: .seconds(60))))
        schedule.probeSoon("nobody", at: at(160))
        #expect(schedule.next(at: at(160), mayProbe: Self.always) == .idle)
    }

    @Test("replace: an added or changed bridge is due at once, an unchanged one keeps its time, a removed one is never probed again, even if it was in flight")
    func replace() {
        var schedule = ProbeSchedule(targets: [Self.target("same"), Self.target("changed"), Self.target("removed")])
        schedule.start(at: at(0))
        for _ in 0..<3 { _ = schedule.next(at: at(0), mayProbe: Self.always) }
        schedule.finished("same", at: at(50))
        schedule.finished("changed", at: at(50))
        schedule.replace(targets: [Self.target("same"), Self.target("changed", path: "/health"), Self.target("added")], at: at(60))
        var probed: [String] = []
        while case .probe(let target) = schedule.next(at: at(60), mayProbe: Self.always) { probed.append(target.name) }
        #expect(probed.sorted() == ["added", "changed"])
        schedule.finished("removed", at: at(70))
        #expect(schedule.targets.keys.sorted() == ["added", "changed", "same"])
        #expect(schedule.next(at: at(60), mayProbe: Self.always) == .wait(until: at(250)), "same keeps its time")
        schedule.finished("changed", at: at(80))
        schedule.finished("added", at: at(80))
        var later: [String] = []
        while case .probe(let target) = schedule.next(at: at(10_000), mayProbe: Self.always) { later.append(target.name) }
        #expect(later.sorted() == ["added", "changed", "same"], "removed stays gone")
    }

    @Test("a bridge changed while its probe ran is probed again as soon as it ends")
    func changedInFlight() {
        var schedule = ProbeSchedule(targets: [Self.target("a")])
        schedule.start(at: at(0))
        _ = schedule.next(at: at(0), mayProbe: Self.always)
        schedule.replace(targets: [Self.target("a", path: "/health")], at: at(10))
        #expect(schedule.next(at: at(10), mayProbe: Self.always) == .idle)
        schedule.finished("a", at: at(20))
        #expect(schedule.next(at: at(20), mayProbe: Self.always) == .probe(Self.target("a", path: "/health")))
    }
}
