import BridgeProbe
import CurlHTTP
import Config
import Foundation
import Gateway
import Supervisor
import Testing
import TunnelManager

/// Bridge states follow their tunnel: probe verdicts through hysteresis, overruled while the
/// tunnel is not up. Dates are injected.
@Suite("BridgeMonitor")
struct BridgeMonitorTests {
    static let config = """
        [gateway]
        listen = "127.0.0.1:4000"

        [[tunnels]]
        name = "home"
        mode = "inbound"
        user = "root"
          [[tunnels.forwards]]
          listen = "127.0.0.1:3353"

        [[bridges]]
        name = "codex"
        url = "http://127.0.0.1:3353"
        api = "openai"
        tunnel = "home"

        [[bridges]]
        name = "ollama"
        url = "http://127.0.0.1:11434"
        api = "ollama"
        """
    let start = Date(timeIntervalSince1970: 1_800_000_000)
    func at(_ seconds: Double) -> Date { start.addingTimeInterval(seconds) }

    static func tunnel(_ state: TunnelState, failure: FailureClass? = nil) -> TunnelStatus {
        var status = TunnelStatus(name: "home", mode: "inbound", forwards: [], now: Date())
        status.state = state
        status.failure = failure
        status.reason = failure == nil ? nil : "no listener on 127.0.0.1:3353"
        return status
    }

    static func result(_ bridge: String, _ state: BridgeState) -> ProbeResult {
        ProbeResult(bridge: bridge, verdict: ProbeVerdict(state, reason: state.rawValue), timings: PhaseTimings(totalMs: 1.5))
    }

    @Test("changes(): every change a probe, a tunnel or an exposure made since, in order, none before; finishChanges() ends the stream")
    func changesStream() async throws {
        let configuration = try Configuration.parse(Self.config, source: "t.toml")
        let monitor = BridgeMonitor(bridges: configuration.bridges, start: start)
        _ = monitor.observe(Self.result("ollama", .live), at: at(1))
        let stream = monitor.changes()
        var made: [BridgeMonitor.Change] = []
        made += monitor.observe(Self.result("codex", .live), at: at(2)).map { [$0] } ?? []
        made += monitor.tunnelsChanged([Self.tunnel(.down, failure: .disconnected)], at: at(3)).changes
        _ = monitor.observe(Self.result("codex", .live), at: at(4))  // ignored while the tunnel is down: no change
        made += monitor.exposed("ollama", reason: "listens on 0.0.0.0:11434", at: at(5)).map { [$0] } ?? []
        monitor.finishChanges()
        #expect(made.map(\.transition.to) == [.live, .tunnelDown, .exposed])
        var published: [BridgeMonitor.Change] = []
        for await change in stream { published.append(change) }
        #expect(published == made)
    }

    @Test("a bridge on a tunnel that goes down is tunnel_down at once, ignores probes meanwhile, and is re-probed when it is back")
    func followsTunnel() throws {
        let configuration = try Configuration.parse(Self.config, source: "t.toml")
        let monitor = BridgeMonitor(bridges: configuration.bridges, start: start)
        #expect(monitor.observe(Self.result("codex", .live), at: at(1))?.transition.to == .live)

        // Connecting changes nothing.
        #expect(monitor.tunnelsChanged([Self.tunnel(.connecting)], at: at(2)).changes.isEmpty)

        let down = monitor.tunnelsChanged([Self.tunnel(.down, failure: .disconnected)], at: at(3))
        #expect(down.changes.map(\.bridge) == ["codex"])
        #expect(down.changes.first?.transition.to == .tunnelDown)
        #expect(down.changes.first?.transition.reason == "tunnel home is down (disconnected: no listener on 127.0.0.1:3353)")
        #expect(down.changes.first?.tunnel == "home")
        #expect(down.probeNow.isEmpty)

        // A live probe while the tunnel is down does not bring the bridge back.
        #expect(monitor.observe(Self.result("codex", .live), at: at(4)) == nil)
        let codex = try #require(monitor.statuses.first { $0.name == "codex" })
        #expect(codex.state == "tunnel_down")
        #expect(codex.lastProbe == at(4))

        let up = monitor.tunnelsChanged([Self.tunnel(.up)], at: at(5))
        #expect(up.changes.isEmpty)
        #expect(up.probeNow == ["codex"])
        #expect(monitor.observe(Self.result("codex", .live), at: at(6))?.transition.from == .tunnelDown)
    }

    @Test("a bridge without a tunnel is untouched by tunnel changes; statuses keep config order and latency")
    func independent() throws {
        let configuration = try Configuration.parse(Self.config, source: "t.toml")
        let monitor = BridgeMonitor(bridges: configuration.bridges, start: start)
        _ = monitor.observe(Self.result("ollama", .live), at: at(1))
        #expect(monitor.tunnelsChanged([Self.tunnel(.failed, failure: .authFailed)], at: at(2)).changes.map(\.bridge) == ["codex"])
        let statuses = monitor.statuses
        #expect(statuses.map(\.name) == ["codex", "ollama"])
        #expect(statuses[1].state == "live")
        #expect(statuses[1].latencyMs == 1.5)
        #expect(statuses[0].state == "tunnel_down")
    }

    @Test("probe targets: a bridge behind an inbound tunnel reads a refusal as the tunnel's")
    func targets() throws {
        let targets = try Configuration.parse(Self.config, source: "t.toml").probeTargets(environment: [:])
        #expect(targets.map(\.throughTunnel) == [true, false])
        #expect(targets.map(\.path) == ["/v1/models", "/api/version"])
        #expect(targets[0].request.url == "http://127.0.0.1:3353/v1/models")
    }
}

extension BridgeMonitorTests {
    @Test("a managed bridge caught exposed stays exposed whatever probes and its tunnel say")
    func exposedSticks() throws {
        let configuration = try Configuration.parse(Self.config, source: "t.toml")
        let monitor = BridgeMonitor(bridges: configuration.bridges, start: start)
        _ = monitor.observe(Self.result("codex", .live), at: at(1))
        let change = monitor.exposed("codex", reason: "listening on 0.0.0.0:3253 by python3 (pid 7)", at: at(2))
        #expect(change?.transition.to == .exposed)
        #expect(change?.transition.message == "restart it bound to 127.0.0.1, then reload")
        for second in 3...6 { #expect(monitor.observe(Self.result("codex", .down), at: at(Double(second))) == nil) }
        #expect(monitor.tunnelsChanged([Self.tunnel(.down, failure: .disconnected)], at: at(7)).changes.isEmpty)
        _ = monitor.tunnelsChanged([Self.tunnel(.up)], at: at(8))
        #expect(monitor.observe(Self.result("codex", .live), at: at(9)) == nil)
        #expect(monitor.statuses.first?.state == "exposed")
    }

    @Test("a reload keeps an unchanged bridge's state, resets a changed one, adds new ones and forgets removed ones")
    func reload() throws {
        let configuration = try Configuration.parse(Self.config, source: "t.toml")
        let monitor = BridgeMonitor(bridges: configuration.bridges, start: start)
        _ = monitor.observe(Self.result("codex", .live), at: at(1))
        _ = monitor.observe(Self.result("ollama", .live), at: at(1))
        let reloaded = try Configuration.parse(
            Self.config.replacingOccurrences(of: "11434", with: "11435") + """


            [[bridges]]
            name = "extra"
            url = "http://127.0.0.1:9999"
            api = "openai"
            """, source: "t.toml")
        monitor.apply(bridges: reloaded.bridges, at: at(2))
        #expect(monitor.statuses.map(\.name) == ["codex", "ollama", "extra"])
        #expect(monitor.status(of: "codex")?.state == "live", "unchanged: state kept")
        #expect(monitor.status(of: "ollama")?.state == "unknown", "its URL changed: state reset")
        #expect(monitor.status(of: "extra")?.state == "unknown")

        monitor.apply(bridges: Array(reloaded.bridges.prefix(1)), at: at(3))
        #expect(monitor.statuses.map(\.name) == ["codex"])
        #expect(monitor.observe(Self.result("extra", .live), at: at(4)) == nil, "a removed bridge's late probe is ignored")
    }
}

@Suite("BridgeMonitor: limited")
struct BridgeMonitorLimitTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)
    func at(_ seconds: Double) -> Date { start.addingTimeInterval(seconds) }

    @Test("a limit makes a live bridge limited at once, once for a burst; probes before the reset change nothing, the first after it does")
    func limitedUntilReset() async throws {
        let configuration = try Configuration.parse(BridgeMonitorTests.config, source: "t.toml")
        let monitor = BridgeMonitor(bridges: configuration.bridges, start: start)
        _ = monitor.observe(BridgeMonitorTests.result("ollama", .live), at: at(1))
        let first = monitor.limited("ollama", until: at(100), reason: "answered 429: slow down", at: at(2))
        #expect(first?.transition.from == .live && first?.transition.to == .limited)
        #expect(first?.transition.reason.contains("answered 429: slow down") == true)
        #expect(monitor.limited("ollama", until: at(120), reason: "answered 429: slow down", at: at(3)) == nil, "a burst of 429s is one change")
        #expect(monitor.observe(BridgeMonitorTests.result("ollama", .live), at: at(60)) == nil, "a probe before the reset")
        let status = try #require(monitor.status(of: "ollama"))
        #expect(status.state == "limited")
        #expect(status.limitedUntil == at(120), "the latest reset announced")
        #expect(status.reason?.contains("resets at") == true)

        // The reset lies in 2027: still limited now.
        let availability = await MonitorAvailability(monitor: monitor).availability(of: "ollama")
        guard case .unusable(let code, _, let until) = availability else {
            Issue.record("a limited bridge was usable")
            return
        }
        #expect(code == "bridge_limited" && until == at(120))

        let back = monitor.observe(BridgeMonitorTests.result("ollama", .live), at: at(121))
        #expect(back?.transition.from == .limited && back?.transition.to == .live)
        #expect(monitor.status(of: "ollama")?.limitedUntil == nil)
    }

    @Test("a limit whose reset has passed leaves the bridge usable before the next probe")
    func usableAfterReset() async throws {
        let configuration = try Configuration.parse(BridgeMonitorTests.config, source: "t.toml")
        let monitor = BridgeMonitor(bridges: configuration.bridges, start: start)
        _ = monitor.limited("ollama", until: Date().addingTimeInterval(-1), reason: "answered 429", at: Date())
        #expect(monitor.status(of: "ollama")?.state == "limited")
        #expect(await MonitorAvailability(monitor: monitor).availability(of: "ollama") == .usable)
    }
}
