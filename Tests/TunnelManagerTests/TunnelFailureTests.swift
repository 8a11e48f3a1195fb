import Foundation
import Testing
import TestSupport
import TunnelManager

/// Failures that need a person end in `failed` with the right class, and wait for the person: no
/// timer retries them (``TunnelRetryTests`` shows the decision), a change to a file the person
/// would edit does.
@Suite("Tunnel failures a person must fix", .serialized)
struct TunnelFailureTests {
    /// Connections the server has seen so far.
    static func connections(_ sshd: TestSSHD) -> Int {
        sshd.log.components(separatedBy: "Connection from 127.0.0.1").count - 1
    }

    /// Runs one tunnel until it settles in `failed`, then touches its known_hosts as a person fixing
    /// it would and checks that exactly one more attempt follows, failing the same way.
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
        try Wait.until("\(expected) connection(s)", timeout: .seconds(10), lastSeen: { "\(Self.connections(sshd) - before)" }) {
            Self.connections(sshd) - before == expected
        }

        let log = StatusLog(manager)
        let knownHosts = try #require(spec.knownHostsFile)
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: 1_000_000)], ofItemAtPath: knownHosts)
        try Wait.until("the same failure after a retry", timeout: .seconds(20), lastSeen: { "\(log.statuses.map(\.state))" }) {
            let seen = log.statuses
            guard let retried = seen.firstIndex(where: { $0.state == .connecting }) else { return false }
            return seen[retried...].contains { $0.failure == failure }
        }
        try Wait.until("\(2 * expected) connection(s) in all", timeout: .seconds(10), lastSeen: { "\(Self.connections(sshd) - before)" }) {
            Self.connections(sshd) - before == 2 * expected
        }
        let states = log.statuses.map(\.state)
        let attempts = zip(states.dropFirst(), states).filter { $0 == .connecting && $1 != .connecting }.count
        #expect(attempts == 1, "retried more than once: \(states)")
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
        // It waits 900 s (TunnelRetryTests) or for a fix before trying again.
        #expect(manager.statuses[0].state == .exposed)
        try Wait.until("one connection", timeout: .seconds(10)) { Self.connections(sshd) - before == 1 }
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
