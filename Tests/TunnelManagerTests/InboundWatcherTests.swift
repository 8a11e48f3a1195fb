import Foundation
import Policy
import Testing
import TestSupport
@testable import TunnelManager

/// Hand-written `/proc/net/tcp{,6}` text for `InboundWatcher.judge`.
enum ProcNet {
    static let header4 =
        "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
    static let header6 =
        "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"

    /// One socket line; `local` is `HEXADDR:HEXPORT` as the kernel prints it.
    static func line(_ sl: Int, local: String, v6: Bool = false, state: String = "0A", uid: UInt32 = 0, inode: UInt64) -> String {
        let remote = v6 ? String(repeating: "0", count: 32) + ":0000" : "00000000:0000"
        return "  \(sl): \(local) \(remote) \(state) 00000000:00000000 00:00000000 00000000 \(String(uid).padding(toLength: 5, withPad: " ", startingAt: 0))   0 \(inode) 1 0000000000000000 100 0 0 10 0\n"
    }

    static func port(_ port: UInt16) -> String {
        let hex = String(port, radix: 16, uppercase: true)
        return String(repeating: "0", count: 4 - hex.count) + hex
    }

    static let loopback4 = "0100007F"
    static let any4 = "00000000"
    static let lan4 = "0501A8C0"  // 192.168.1.5
    static let loopback6 = "00000000000000000000000001000000"
    static let any6 = String(repeating: "0", count: 32)

    static func tcp(_ lines: String...) -> String { header4 + lines.joined() }
    static func tcp6(_ lines: String...) -> String { header6 + lines.joined() }
}

@Suite("InboundWatcher.judge")
struct InboundWatcherTests {
    static func forward(_ port: UInt16) -> TunnelSpec.Forward {
        .init(listen: TunnelFixture.bind("127.0.0.1:\(port)"), target: nil)
    }

    static func listeners(_ texts: String...) -> [Listener] {
        texts.flatMap { Listener.parseProcNet($0) }
    }

    @Test("the hand-written /proc text parses as intended")
    func parsesFixtures() {
        let parsed = Self.listeners(
            ProcNet.tcp(
                ProcNet.line(0, local: "\(ProcNet.loopback4):\(ProcNet.port(4000))", uid: 1000, inode: 111),
                ProcNet.line(1, local: "\(ProcNet.any4):\(ProcNet.port(22))", inode: 112),
                ProcNet.line(2, local: "\(ProcNet.loopback4):\(ProcNet.port(4000))", state: "01", inode: 113)),
            ProcNet.tcp6(ProcNet.line(0, local: "\(ProcNet.loopback6):\(ProcNet.port(4001))", v6: true, inode: 114)))
        #expect(parsed.map(\.description) == ["127.0.0.1:4000", "0.0.0.0:22", "[::1]:4001"])
        #expect(parsed.map(\.inode) == [111, 112, 114])
        #expect(parsed.first?.uid == 1000)
        #expect(parsed.map(\.isLoopbackOnly) == [true, false, true])
    }

    @Test("a loopback-only listener is up; the owner is noted when known")
    func up() {
        let listeners = Self.listeners(
            ProcNet.tcp(
                ProcNet.line(0, local: "\(ProcNet.loopback4):\(ProcNet.port(4000))", inode: 111),
                ProcNet.line(1, local: "\(ProcNet.any4):\(ProcNet.port(22))", inode: 200)),
            ProcNet.tcp6(ProcNet.line(0, local: "\(ProcNet.loopback6):\(ProcNet.port(4001))", v6: true, inode: 222)))
        let verdict = InboundWatcher.judge(
            [Self.forward(4000), Self.forward(4001)], owner: nil, listeners: listeners, owners: [111: "sshd (pid 42)"])
        #expect(verdict.state == .up)
        #expect(verdict.failure == nil)
        #expect(verdict.reason == nil)
        #expect(verdict.forwards.map(\.listen) == ["127.0.0.1:4000", "127.0.0.1:4001"])
        #expect(verdict.forwards.map(\.target) == [nil, nil])
        #expect(verdict.forwards.map(\.active) == [true, true])
        #expect(verdict.forwards[0].note == "held by sshd (pid 42)")
        #expect(verdict.forwards[1].note == nil)
    }

    @Test("no listener on a forward's port is down, naming the port")
    func down() {
        let listeners = Self.listeners(
            ProcNet.tcp(
                ProcNet.line(0, local: "\(ProcNet.loopback4):\(ProcNet.port(4000))", inode: 111),
                // Port 4001 only has a connected (not listening) socket, and a listener on another port.
                ProcNet.line(1, local: "\(ProcNet.loopback4):\(ProcNet.port(4001))", state: "01", inode: 112),
                ProcNet.line(2, local: "\(ProcNet.loopback4):\(ProcNet.port(4002))", inode: 113)))
        let verdict = InboundWatcher.judge([Self.forward(4000), Self.forward(4001)], owner: nil, listeners: listeners, owners: [:])
        #expect(verdict.state == .down)
        #expect(verdict.failure == nil)
        #expect(verdict.reason?.contains("127.0.0.1:4001") == true, "reason: \(verdict.reason ?? "nil")")
        #expect(verdict.reason?.contains("4000") == false, "reason: \(verdict.reason ?? "nil")")
        #expect(verdict.forwards.map(\.active) == [true, false])

        let nothing = InboundWatcher.judge([Self.forward(4000)], owner: nil, listeners: [], owners: [:])
        #expect(nothing.state == .down)
        #expect(nothing.reason?.contains("127.0.0.1:4000") == true)
    }

    @Test("a listener beyond loopback is exposed, naming it and GatewayPorts", arguments: ["0.0.0.0:4000", "[::]:4000", "192.168.1.5:4000"])
    func exposed(shown: String) {
        let text =
            switch shown {
            case "0.0.0.0:4000": ProcNet.tcp(ProcNet.line(0, local: "\(ProcNet.any4):\(ProcNet.port(4000))", inode: 111))
            case "[::]:4000": ProcNet.tcp6(ProcNet.line(0, local: "\(ProcNet.any6):\(ProcNet.port(4000))", v6: true, inode: 111))
            default: ProcNet.tcp(ProcNet.line(0, local: "\(ProcNet.lan4):\(ProcNet.port(4000))", inode: 111))
            }
        let verdict = InboundWatcher.judge([Self.forward(4000)], owner: nil, listeners: Listener.parseProcNet(text), owners: [111: "sshd (pid 7)"])
        #expect(verdict.state == .exposed)
        #expect(verdict.failure == .exposed)
        #expect(verdict.reason?.contains("GatewayPorts") == true, "reason: \(verdict.reason ?? "nil")")
        #expect(verdict.reason?.contains(shown) == true, "reason: \(verdict.reason ?? "nil")")
        #expect(verdict.reason?.contains("sshd (pid 7)") == true, "reason: \(verdict.reason ?? "nil")")
        #expect(verdict.forwards.first?.active == false)
        #expect(verdict.forwards.first?.note?.contains(shown) == true)
    }

    @Test("exposed takes precedence over up and down, also beside a loopback listener on the same port")
    func exposedWins() {
        // 4000: loopback and wildcard v6 (sshd with GatewayPorts binds both families); 4001: nothing.
        let listeners = Self.listeners(
            ProcNet.tcp(ProcNet.line(0, local: "\(ProcNet.loopback4):\(ProcNet.port(4000))", inode: 111)),
            ProcNet.tcp6(ProcNet.line(0, local: "\(ProcNet.any6):\(ProcNet.port(4000))", v6: true, inode: 112)))
        let verdict = InboundWatcher.judge([Self.forward(4001), Self.forward(4000)], owner: nil, listeners: listeners, owners: [:])
        #expect(verdict.state == .exposed)
        #expect(verdict.failure == .exposed)
        #expect(verdict.reason?.contains("[::]:4000") == true, "reason: \(verdict.reason ?? "nil")")
        #expect(verdict.reason?.contains("127.0.0.1:4000") == false, "the loopback listener is not the exposure: \(verdict.reason ?? "")")
        #expect(verdict.forwards.map(\.active) == [false, false])
    }

    static let tunnelUser = TunnelSpec.Owner(name: "tunnel", uid: 998)

    @Test("a listener held by the tunnel's user is up; held by anyone else it is hijacked, naming who")
    func hijacked() {
        let ours = Self.listeners(ProcNet.tcp(ProcNet.line(0, local: "\(ProcNet.loopback4):\(ProcNet.port(4000))", uid: 998, inode: 111)))
        #expect(InboundWatcher.judge([Self.forward(4000)], owner: Self.tunnelUser, listeners: ours, owners: [:]).state == .up)

        let squatted = Self.listeners(ProcNet.tcp(ProcNet.line(0, local: "\(ProcNet.loopback4):\(ProcNet.port(4000))", uid: 65534, inode: 111)))
        let verdict = InboundWatcher.judge([Self.forward(4000)], owner: Self.tunnelUser, listeners: squatted, owners: [111: "python3 (pid 9)"])
        #expect(verdict.state == .hijacked)
        #expect(verdict.failure == .hijacked)
        #expect(verdict.reason?.contains("python3 (pid 9)") == true, "reason: \(verdict.reason ?? "nil")")
        #expect(verdict.reason?.contains("uid 65534") == true, "reason: \(verdict.reason ?? "nil")")
        #expect(verdict.reason?.contains("tunnel (uid 998)") == true, "reason: \(verdict.reason ?? "nil")")
        #expect(verdict.forwards.first?.active == false)

        // Beside the tunnel user's own listener (the squatter took [::1] first): still hijacked.
        let beside = Self.listeners(
            ProcNet.tcp(ProcNet.line(0, local: "\(ProcNet.loopback4):\(ProcNet.port(4000))", uid: 998, inode: 111)),
            ProcNet.tcp6(ProcNet.line(0, local: "\(ProcNet.loopback6):\(ProcNet.port(4000))", v6: true, uid: 1000, inode: 112)))
        #expect(InboundWatcher.judge([Self.forward(4000)], owner: Self.tunnelUser, listeners: beside, owners: [:]).state == .hijacked)

        // Exposed still outranks it.
        let wide = Self.listeners(ProcNet.tcp(ProcNet.line(0, local: "\(ProcNet.any4):\(ProcNet.port(4000))", uid: 65534, inode: 111)))
        #expect(InboundWatcher.judge([Self.forward(4000)], owner: Self.tunnelUser, listeners: wide, owners: [:]).state == .exposed)
    }
}

/// Inbound tunnels watched against real OpenSSH reverse forwards.
@Suite("Inbound tunnels against a real sshd", .serialized)
struct InboundWatcherLiveTests {
    /// Starts `ssh -N -R 127.0.0.1:port:127.0.0.1:target` against `sshd`.
    static func holdReverse(_ sshd: TestSSHD, port: UInt16, target: UInt16, knownHosts: String, log: String) throws -> Int32 {
        try TestSSHD.launch(
            "/usr/bin/ssh",
            ["-N", "-o", "ExitOnForwardFailure=yes", "-R", "127.0.0.1:\(port):127.0.0.1:\(target)"]
                + sshd.sshArguments(knownHostsFile: knownHosts),
            output: sshd.directory.appendingPathComponent(log).path)
    }

    static func end(_ pid: Int32) {
        kill(pid, SIGTERM)
        if TestSSHD.waitForExit(pid, timeout: .seconds(5)) == nil {
            kill(pid, SIGKILL)
            _ = TestSSHD.waitForExit(pid, timeout: .seconds(5))
        }
    }

    static func inbound(_ port: UInt16) -> TunnelSpec {
        TunnelSpec(name: "in", mode: .inbound, forwards: [.init(listen: TunnelFixture.bind("127.0.0.1:\(port)"), target: nil)])
    }

    @Test("up while a peer's ssh -R holds the port, down when its session dies, up again when it returns")
    func followsThePeer() throws {
        let sshd = try TestSSHD()
        try sshd.start()
        let target = try TargetServer(.echo)
        let port = try TestSSHD.freePort()
        let knownHosts = sshd.writeKnownHosts(sshd.knownHosts())
        let first = try Self.holdReverse(sshd, port: port, target: target.port, knownHosts: knownHosts, log: "first.log")
        var firstRunning = true
        defer { if firstRunning { Self.end(first) } }
        try Wait.until("the first ssh -R listener", timeout: .seconds(10)) { sshd.listeners(port: port) == ["127.0.0.1"] }

        let manager = TunnelManager(
            tunnels: [Self.inbound(port)], logger: TunnelFixture.logger, inboundInterval: .milliseconds(100))
        manager.start()
        defer { manager.shutdown() }
        let up = try TunnelFixture.waitFor(manager, "up", tunnel: "in", timeout: .seconds(5)) { $0.state == .up }
        #expect(up.mode == "inbound")
        #expect(up.failure == nil && up.reason == nil)
        #expect(up.forwards.first?.active == true)
        if geteuid() == 0 {
            // Root sees every process's descriptors, so the owner is known.
            #expect(up.forwards.first?.note?.contains("sshd") == true, "note: \(up.forwards.first?.note ?? "nil")")
        } else if let note = up.forwards.first?.note {
            #expect(note.contains("sshd"), "note: \(note)")
        }
        // The data path is the peer's, not ours: it works through the peer's forward.
        #expect(try TestClient.echo(port: port, bytes: Array("ping".utf8)) == Array("ping".utf8))

        sshd.killSessions()
        let down = try TunnelFixture.waitFor(manager, "down", tunnel: "in", timeout: .seconds(5)) { $0.state == .down }
        #expect(down.reason?.contains("127.0.0.1:\(port)") == true, "reason: \(down.reason ?? "nil")")
        #expect(down.forwards.first?.active == false)
        if TestSSHD.waitForExit(first, timeout: .seconds(5)) != nil { firstRunning = false }
        #expect(!firstRunning, "ssh should exit once its session is gone")

        let second = try Self.holdReverse(sshd, port: port, target: target.port, knownHosts: knownHosts, log: "second.log")
        defer { Self.end(second) }
        let again = try TunnelFixture.waitFor(manager, "up again", tunnel: "in", timeout: .seconds(10)) { $0.state == .up }
        #expect(again.forwards.first?.active == true)
        if geteuid() == 0 {
            #expect(again.forwards.first?.note?.contains("sshd") == true)
            #expect(again.forwards.first?.note != up.forwards.first?.note, "the new session is another process")
        }
        #expect(again.reason == nil)
    }

    @Test("down (stalled) when the listener stays but the session behind it is silent, up when it answers again")
    func silentSession() throws {
        let sshd = try TestSSHD()
        try sshd.start()
        let target = try TargetServer(.echo)
        let port = try TestSSHD.freePort()
        let knownHosts = sshd.writeKnownHosts(sshd.knownHosts())
        let peer = try Self.holdReverse(sshd, port: port, target: target.port, knownHosts: knownHosts, log: "peer.log")
        defer {
            kill(peer, SIGCONT)
            Self.end(peer)
        }
        try Wait.until("the ssh -R listener", timeout: .seconds(10)) { sshd.listeners(port: port) == ["127.0.0.1"] }
        var spec = Self.inbound(port)
        spec.keepalive = .seconds(1)
        let manager = TunnelManager(tunnels: [spec], logger: TunnelFixture.logger, inboundInterval: .milliseconds(100))
        manager.start()
        defer { manager.shutdown() }
        try TunnelFixture.waitFor(manager, "up", tunnel: "in", timeout: .seconds(5)) { $0.state == .up }
        // The heartbeats reach the peer's target (plain ssh -R passes them on) and come back.
        let heard = target.acceptedConnections
        try Wait.until("a heartbeat through the forward", timeout: .seconds(5)) { target.acceptedConnections > heard }

        // A stopped peer: sshd keeps its listener and accepts, but nothing comes back.
        kill(peer, SIGSTOP)
        let stalled = try TunnelFixture.waitFor(manager, "stalled", tunnel: "in", timeout: .seconds(10)) { $0.state != .up }
        #expect(stalled.state == .down)
        #expect(stalled.failure == .stalled)
        #expect(stalled.reason?.contains("127.0.0.1:\(port) still listens") == true, "reason: \(stalled.reason ?? "nil")")
        #expect(sshd.listeners(port: port) == ["127.0.0.1"], "the listener is still there")

        kill(peer, SIGCONT)
        let again = try TunnelFixture.waitFor(manager, "up again", tunnel: "in", timeout: .seconds(10)) { $0.state == .up }
        #expect(again.failure == nil && again.reason == nil)
    }

    @Test("a peer's forward that sshd binds on every interface (GatewayPorts yes) is exposed")
    func gatewayPortsExposed() throws {
        let sshd = try TestSSHD(gatewayPorts: "yes")
        try sshd.start()
        let target = try TargetServer(.echo)
        let port = try TestSSHD.freePort()
        let knownHosts = sshd.writeKnownHosts(sshd.knownHosts())
        let holder = try Self.holdReverse(sshd, port: port, target: target.port, knownHosts: knownHosts, log: "wide.log")
        defer { Self.end(holder) }
        try Wait.until("the wildcard listener", timeout: .seconds(10)) {
            sshd.listeners(port: port).contains { $0 == "0.0.0.0" || $0 == "::" }
        }

        let manager = TunnelManager(
            tunnels: [Self.inbound(port)], logger: TunnelFixture.logger, inboundInterval: .milliseconds(100))
        manager.start()
        defer { manager.shutdown() }
        let exposed = try TunnelFixture.waitFor(manager, "exposed", tunnel: "in", timeout: .seconds(5)) { $0.state != .connecting }
        #expect(exposed.state == .exposed)
        #expect(exposed.failure == .exposed)
        #expect(exposed.reason?.contains("GatewayPorts") == true, "reason: \(exposed.reason ?? "nil")")
        #expect(exposed.reason?.contains(":\(port)") == true, "reason: \(exposed.reason ?? "nil")")
        #expect(exposed.forwards.first?.active == false)
        // It stays exposed while the listener is there: five more judgements change nothing.
        let checks = try #require(manager.inboundChecks(of: "in"))
        try Wait.until("five more checks", timeout: .seconds(10)) { (manager.inboundChecks(of: "in") ?? 0) >= checks + 5 }
        #expect(manager.statuses[0].state == .exposed)
    }
}
