import Systemd
import Testing

/// When WATCHDOG=1 goes out, driven by instants chosen by the test (no sleeping).
@Suite struct WatchdogTests {
    static let start = ContinuousClock.now
    static func at(_ milliseconds: Int) -> ContinuousClock.Instant { start + .milliseconds(milliseconds) }

    @Test("WATCHDOG_USEC sets the timeout; WATCHDOG_PID must be unset or ours")
    func environment() {
        #expect(Watchdog.timeout(environment: ["WATCHDOG_USEC": "30000000"], pid: 7) == .seconds(30))
        #expect(Watchdog.timeout(environment: ["WATCHDOG_USEC": "400000", "WATCHDOG_PID": "7"], pid: 7) == .milliseconds(400))
        #expect(Watchdog.timeout(environment: ["WATCHDOG_USEC": "400000", "WATCHDOG_PID": "8"], pid: 7) == nil)
        #expect(Watchdog.timeout(environment: [:], pid: 7) == nil)
        #expect(Watchdog.timeout(environment: ["WATCHDOG_USEC": "0"], pid: 7) == nil)
        #expect(Watchdog.timeout(environment: ["WATCHDOG_USEC": "30s"], pid: 7) == nil)
    }

    @Test("pings at half the timeout while the heartbeat moves")
    func cadence() {
        var watchdog = Watchdog(timeout: .milliseconds(400), start: Self.start)
        #expect(watchdog.interval == .milliseconds(200))
        #expect(watchdog.check(heartbeat: 1, at: Self.at(10)) == .ping(next: Self.at(210)))
        #expect(watchdog.check(heartbeat: 2, at: Self.at(100)) == .wait(next: Self.at(210)))
        #expect(watchdog.check(heartbeat: 3, at: Self.at(210)) == .ping(next: Self.at(410)))
        #expect(watchdog.check(heartbeat: 5, at: Self.at(410)) == .ping(next: Self.at(610)))
    }

    @Test("no ping before the supervision loop completed a cycle")
    func firstCycle() {
        var watchdog = Watchdog(timeout: .milliseconds(400), start: Self.start)
        #expect(watchdog.check(heartbeat: 0, at: Self.at(0)) == .stalled(for: .zero, next: Self.at(50)))
        #expect(watchdog.check(heartbeat: 0, at: Self.at(50)) == .stalled(for: .milliseconds(50), next: Self.at(100)))
        #expect(watchdog.check(heartbeat: 1, at: Self.at(60)) == .ping(next: Self.at(260)))
    }

    @Test("a heartbeat that stops moving stops the pings; they resume at once when it moves again")
    func stall() {
        var watchdog = Watchdog(timeout: .seconds(30), start: Self.start)
        #expect(watchdog.check(heartbeat: 4, at: Self.at(0)) == .ping(next: Self.at(15_000)))
        #expect(watchdog.check(heartbeat: 4, at: Self.at(15_000)) == .stalled(for: .seconds(15), next: Self.at(18_750)))
        #expect(watchdog.check(heartbeat: 4, at: Self.at(18_750)) == .stalled(for: .milliseconds(18_750), next: Self.at(22_500)))
        #expect(watchdog.check(heartbeat: 5, at: Self.at(20_000)) == .ping(next: Self.at(35_000)))
    }

    @Test("the stall is measured from the last time the heartbeat was seen moving, not from the last ping")
    func stallSince() {
        var watchdog = Watchdog(timeout: .seconds(2), start: Self.start)
        #expect(watchdog.check(heartbeat: 1, at: Self.at(0)) == .ping(next: Self.at(1_000)))
        #expect(watchdog.check(heartbeat: 2, at: Self.at(500)) == .wait(next: Self.at(1_000)))
        #expect(watchdog.check(heartbeat: 3, at: Self.at(1_000)) == .ping(next: Self.at(2_000)))
        #expect(watchdog.check(heartbeat: 3, at: Self.at(2_000)) == .stalled(for: .seconds(1), next: Self.at(2_250)))
    }
}
