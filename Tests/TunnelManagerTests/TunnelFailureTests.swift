import Foundation
import Testing
import TestSupport
import TunnelManager

/// Failures that need a person end in `failed` with the right class, and are not retried in a loop.
@Suite("Tunnel failures a person must fix", .serialized)
struct TunnelFailureTests {
    /// Connections the server has seen so far.
    static func connections(_ sshd: TestSSHD) -> Int {
        sshd.log.components(separatedBy: "Connection from 127.0.0.1").count - 1
    }

    /// Runs one tunnel until it settles in `failed`, then checks that no retry follows.
    func expectFailed(
        _ sshd: TestSSHD, _ spec: TunnelSpec, _ failure: FailureClass, mentioning text: String, connections expected: Int = 1
    ) throws {
        let before = Self.connections(sshd)
        let manager = TunnelManager(tunnels: [spec], logger: TunnelFixture.logger)
        manager.start()
        defer { manager.shutdown() }
        let status = try TunnelFixture.waitFor(manager, "\(failure.rawValue)") { $0.failure == failure }
        #expect(status.state == .failed)
        #expect(status.reason?.contains(text) == true, "reason: \(status.reason ?? "")")
        #expect(status.retryAt == nil)
        Thread.sleep(forTimeInterval: 2.5)
        #expect(manager.statuses[0].failure == failure)
        #expect(Self.connections(sshd) - before == expected, "the server saw \(Self.connections(sshd) - before) connections")
    }

    @Test("an unknown host key is hostkey_unknown and names the offered fingerprint")
    func unknownHostKey() throws {
        let sshd = try TestSSHD()
        try sshd.start()
        let knownHosts = sshd.writeKnownHosts(sshd.knownHosts(name: "elsewhere.example"))
        try expectFailed(
            sshd, TunnelFixture.reverse(sshd, listenPort: try TestSSHD.freePort(), targetPort: 9, knownHosts: knownHosts),
            .hostkeyUnknown, mentioning: "SHA256:")
    }

    @Test("a changed host key is hostkey_mismatch")
    func changedHostKey() throws {
        let sshd = try TestSSHD()
        try sshd.start()
        let other = try TestSSHD()
        let knownHosts = sshd.writeKnownHosts("[127.0.0.1]:\(sshd.port) \(other.hostKeyLine)")
        try expectFailed(
            sshd, TunnelFixture.reverse(sshd, listenPort: try TestSSHD.freePort(), targetPort: 9, knownHosts: knownHosts),
            .hostkeyMismatch, mentioning: "differs")
    }

    @Test("a key the server does not accept is auth_failed")
    func wrongUserKey() throws {
        let sshd = try TestSSHD()
        try sshd.start()
        let stranger = try TestSSHD()
        var spec = TunnelFixture.reverse(sshd, listenPort: try TestSSHD.freePort(), targetPort: 9)
        spec.identityFile = stranger.userKey(.ed25519)
        try expectFailed(sshd, spec, .authFailed, mentioning: "authorized_keys")
    }

    @Test("an RSA key is refused before connecting, with the reason")
    func rsaKey() throws {
        let sshd = try TestSSHD()
        try sshd.start()
        try expectFailed(
            sshd, TunnelFixture.reverse(sshd, listenPort: try TestSSHD.freePort(), targetPort: 9, key: .rsa),
            .authFailed, mentioning: "RSA", connections: 0)
    }

    @Test("GatewayPorts yes: exposed, the wildcard listener is gone, and it is not requested again")
    func gatewayPortsExposed() throws {
        let sshd = try TestSSHD(gatewayPorts: "yes")
        try sshd.start()
        let port = try TestSSHD.freePort()
        let before = Self.connections(sshd)
        let manager = TunnelManager(
            tunnels: [TunnelFixture.reverse(sshd, listenPort: port, targetPort: 9)], logger: TunnelFixture.logger)
        manager.start()
        defer { manager.shutdown() }
        let status = try TunnelFixture.waitFor(manager, "exposed") { $0.state == .exposed }
        #expect(status.failure == .exposed)
        #expect(status.reason?.contains("GatewayPorts") == true)
        #expect(status.retryAt != nil)
        try Wait.until("the wildcard listener to go", timeout: .seconds(5)) { sshd.listeners(port: port).isEmpty }
        Thread.sleep(forTimeInterval: 2.5)
        #expect(sshd.listeners(port: port).isEmpty)
        #expect(manager.statuses[0].state == .exposed)
        #expect(Self.connections(sshd) - before == 1)
    }

    @Test("a forward the server forbids from the start is forward_refused at once, retried after 5 minutes")
    func forbiddenForward() throws {
        let sshd = try TestSSHD()
        let port = try TestSSHD.freePort()
        try sshd.appendConfig("PermitListen 127.0.0.1:\(try TestSSHD.freePort())")
        try sshd.start()
        let manager = TunnelManager(
            tunnels: [TunnelFixture.reverse(sshd, listenPort: port, targetPort: 9)], logger: TunnelFixture.logger)
        manager.start()
        defer { manager.shutdown() }
        let status = try TunnelFixture.waitFor(manager, "forward_refused") { $0.failure != nil }
        #expect(status.failure == .forwardRefused)
        #expect(status.state == .failed)
        #expect(status.reason?.contains("PermitListen") == true, "reason: \(status.reason ?? "")")
        #expect(status.retryAt != nil)
    }

    /// The race a dead session leaves: the server refuses while the old listener is still open, and
    /// it is gone when the port is checked. Replayed here by restarting the server with a policy
    /// that forbids the forward the tunnel held: the tunnel must retry before it calls it policy.
    @Test("a forward held before, refused with nothing listening: remote_port_busy with backoff, forward_refused only after 3 in a row")
    func refusedAfterHeld() throws {
        let sshd = try TestSSHD()
        try sshd.start()
        let port = try TestSSHD.freePort()
        let manager = TunnelManager(
            tunnels: [TunnelFixture.reverse(sshd, listenPort: port, targetPort: 9)], logger: TunnelFixture.logger)
        manager.start()
        defer { manager.shutdown() }
        try TunnelFixture.waitFor(manager, "up") { $0.state == .up }
        let log = StatusLog(manager)
        sshd.stop()
        try sshd.appendConfig("PermitListen 127.0.0.1:\(try TestSSHD.freePort())")
        try sshd.start()
        let refused = try log.waitFor("forward_refused", timeout: .seconds(60)) { $0.failure == .forwardRefused }
        #expect(refused.state == .failed)
        #expect(refused.reason?.contains("refused \(3) times in a row") == true, "reason: \(refused.reason ?? "")")
        let busy = log.statuses.filter { $0.failure == .remotePortBusy }
        #expect(busy.count == 2, "\(log.statuses.map { "\($0.state) \($0.failure?.rawValue ?? "-")" })")
        #expect(busy.allSatisfy { $0.state == .backoff && $0.retryAt != nil && $0.reason?.contains("held before") == true })
    }
}
