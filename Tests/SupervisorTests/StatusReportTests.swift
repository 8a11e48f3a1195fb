import Foundation
import Supervisor
import Testing
import TunnelManager

@Suite("StatusReport text")
struct StatusReportTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    var report: StatusReport {
        StatusReport(
            tunnels: [],
            bridges: [
                .init(name: "codex", state: "live", since: now.addingTimeInterval(-90), reason: "GET /v1/models answered 200", message: nil, tunnel: nil, latencyMs: 12.34),
                .init(name: "m365", state: "auth_required", since: now.addingTimeInterval(-7200), reason: "GET /health answered 401", message: "Sign in.", tunnel: nil),
            ],
            started: now)
    }

    @Test("a table: aligned columns, age, probe latency, reason with the bridge's words; no empty tunnel table")
    func plain() {
        let lines = report.text(now: now).components(separatedBy: "\n")
        #expect(lines == [
            "BRIDGE  STATE          SINCE     PROBE    REASON",
            "codex   live           90s ago   12.3 ms  GET /v1/models answered 200",
            "m365    auth_required  2h0m ago  -        GET /health answered 401 — Sign in.",
        ])
    }

    @Test("on a terminal the state column is coloured after padding, the header is not")
    func colour() {
        let lines = report.text(now: now, colour: true).components(separatedBy: "\n")
        #expect(lines[0] == "BRIDGE  STATE          SINCE     PROBE    REASON")
        #expect(lines[1].contains("\u{1B}[32mlive         \u{1B}[0m"))
        #expect(lines[2].contains("\u{1B}[33mauth_required\u{1B}[0m"))
    }
}
