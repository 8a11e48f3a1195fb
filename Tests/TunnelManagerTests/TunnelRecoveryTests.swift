import Foundation
import Testing
import TestSupport
import TunnelManager

/// Tunnels heal themselves when the server side goes away and comes back.
@Suite("Tunnel recovery", .serialized)
struct TunnelRecoveryTests {
    @Test("killing the server-side session process: back by itself, with a new session")
    func killedSession() throws {
        let target = try TargetServer(.http)
        let running = try TunnelFixture.upReverseTunnel(to: target.port)
        let (sshd, manager, port) = (running.sshd, running.manager, running.port)
        defer { manager.shutdown() }
        let before = Set(sshd.sessionProcessIDs())
        #expect(!before.isEmpty)
        sshd.killSessions()
        try Wait.until("a new session", timeout: .seconds(15)) {
            let now = Set(sshd.sessionProcessIDs())
            return !now.isEmpty && now.isDisjoint(with: before) && manager.statuses[0].state == .up
        }
        #expect(try TestClient.httpGet(port: port, path: "/").status == 200)
    }

    @Test("sshd stopped: each reconnect is refused and retried later; sshd started again: back by itself")
    func serverRestart() throws {
        let target = try TargetServer(.http)
        let running = try TunnelFixture.upReverseTunnel(to: target.port)
        let (sshd, manager, port) = (running.sshd, running.manager, running.port)
        defer { manager.shutdown() }
        let log = StatusLog(manager)
        sshd.stop()
        let down = try TunnelFixture.waitFor(manager, "backoff") { $0.state == .backoff }
        #expect(down.failure == .disconnected || down.failure == .connectFailed)
        // Two reconnects refused while sshd is away, each followed by a backoff of its own.
        try Wait.until("two refused reconnects", timeout: .seconds(40)) {
            Set(log.statuses.filter { $0.state == .backoff && $0.failure == .connectFailed }.compactMap(\.retryAt)).count >= 2
        }
        #expect(manager.statuses[0].state == .backoff || manager.statuses[0].state == .connecting)
        try sshd.start()
        // The backoff ceiling has grown to at most 30 s by now; full jitter draws below it.
        try TunnelFixture.waitFor(manager, "up again", timeout: .seconds(40)) { $0.state == .up }
        #expect(try TestClient.httpGet(port: port, path: "/").status == 200)
    }

    @Test("a port held by another session: remote_port_busy, then up once it is freed")
    func busyPort() throws {
        let sshd = try TestSSHD()
        try sshd.start()
        let target = try TargetServer(.http)
        let port = try TestSSHD.freePort()
        let knownHosts = sshd.writeKnownHosts(sshd.knownHosts())
        // ssh closes inherited descriptors, which blinds Foundation's Process: spawn it directly.
        let holder = try TestSSHD.launch(
            "/usr/bin/ssh",
            ["-N", "-o", "ExitOnForwardFailure=yes", "-R", "127.0.0.1:\(port):127.0.0.1:\(target.port)"]
                + sshd.sshArguments(knownHostsFile: knownHosts),
            output: sshd.directory.appendingPathComponent("holder.log").path)
        defer {
            kill(holder, SIGTERM)
            _ = TestSSHD.waitForExit(holder, timeout: .seconds(5))
        }
        try Wait.until("the holder's listener", timeout: .seconds(10)) { sshd.listeners(port: port) == ["127.0.0.1"] }

        let manager = TunnelManager(
            tunnels: [TunnelFixture.reverse(sshd, listenPort: port, targetPort: target.port)], logger: TunnelFixture.logger)
        manager.start()
        defer { manager.shutdown() }
        let busy = try TunnelFixture.waitFor(manager, "remote_port_busy") { $0.failure == .remotePortBusy }
        #expect(busy.state == .backoff)
        #expect(busy.retryAt != nil)
        kill(holder, SIGTERM)
        try TunnelFixture.waitFor(manager, "up after the port is freed", timeout: .seconds(40)) { $0.state == .up }
        #expect(manager.statuses[0].forwards.first?.verified == true)
    }

    @Test("a frozen server (session process stopped): stalled after 3 × keepalive of silence, then back")
    func silentServer() throws {
        let sshd = try TestSSHD()
        try sshd.start()
        let target = try TargetServer(.http)
        let port = try TestSSHD.freePort()
        let manager = TunnelManager(
            tunnels: [TunnelFixture.reverse(sshd, listenPort: port, targetPort: target.port, keepalive: .seconds(2))],
            logger: TunnelFixture.logger)
        manager.start()
        defer { manager.shutdown() }
        try TunnelFixture.waitFor(manager, "up") { $0.state == .up }
        let frozen = sshd.sessionProcessIDs()
        #expect(!frozen.isEmpty)
        // The TCP connection stays open but nothing answers: only silence detection can notice.
        let log = StatusLog(manager)
        for pid in frozen { kill(pid, SIGSTOP) }
        let started = ContinuousClock.now
        let stalled = try log.waitFor("stalled", timeout: .seconds(15)) { $0.failure == .stalled }
        #expect(ContinuousClock.now - started >= .seconds(4))
        #expect(stalled.reason?.contains("3 × keepalive") == true)
        // The frozen session still holds the port; once it is gone the tunnel comes back.
        for pid in frozen { kill(pid, SIGKILL) }
        try TunnelFixture.waitFor(manager, "up again", timeout: .seconds(40)) { $0.state == .up }
        #expect(try TestClient.httpGet(port: port, path: "/").status == 200)
    }
}
