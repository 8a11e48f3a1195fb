import Foundation
import Supervisor
import Testing
import TunnelManager

/// The one-line STATUS= systemd shows.
@Suite struct SystemdStatusTests {
    @Test("tunnels up out of all and each tunnel's state, then each bridge and its state")
    func line() {
        var home = TunnelStatus(name: "home", mode: "reverse", forwards: [], now: Date())
        home.state = .up
        var office = TunnelStatus(name: "office", mode: "inbound", forwards: [], now: Date())
        office.state = .backoff
        let bridges = [
            StatusReport.Bridge(name: "codex", state: "live", since: Date(), reason: nil, message: nil, tunnel: "home"),
            StatusReport.Bridge(name: "m365", state: "auth_required", since: Date(), reason: nil, message: nil, tunnel: nil),
        ]
        let report = StatusReport(tunnels: [home, office], bridges: bridges, started: Date())
        #expect(report.systemdStatus == "tunnels 1/2 up (home up, office backoff); bridges: codex live, m365 auth_required")
        #expect(StatusReport(tunnels: [], bridges: [], started: Date()).systemdStatus == "tunnels 0/0 up; bridges: none")
    }
}
