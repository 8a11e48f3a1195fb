import Foundation
import TestSupport
import Testing

/// Checks the TestSupport fixtures against the real OpenSSH client, so tunnel tests built on
/// them test the tunnel code and not the fixture.
@Suite(.serialized) struct TestSSHDTests {
    /// `ssh -R 127.0.0.1:F:127.0.0.1:T` through TestSSHD carries HTTP to a TargetServer;
    /// killing the sessions takes the forwarded listener away.
    @Test func remoteForwardThroughRealSSH() throws {
        let sshd = try TestSSHD()
        try sshd.start()
        defer { sshd.stop() }
        let target = try TargetServer(.http)
        defer { target.stop() }
        let forwarded = try TestSSHD.freePort()
        let knownHosts = sshd.writeKnownHosts(sshd.knownHosts())

        #expect(sshd.sessionProcessIDs().isEmpty)
        let ssh = try SSHClient(sshd: sshd, knownHosts: knownHosts, key: .ed25519, extra: [
            "-N", "-o", "ExitOnForwardFailure=yes", "-R", "127.0.0.1:\(forwarded):127.0.0.1:\(target.port)",
        ])
        defer { ssh.terminate() }

        try Wait.until("the remote forward on 127.0.0.1:\(forwarded)", timeout: .seconds(10)) {
            !ssh.isRunning || sshd.listeners(port: forwarded) == ["127.0.0.1"]
        }
        try #require(ssh.isRunning, "ssh exited: \(ssh.stderr)\nsshd log:\n\(sshd.log)")
        #expect(sshd.listeners(port: forwarded) == ["127.0.0.1"])

        let hello = try TestClient.httpGet(port: forwarded, path: "/")
        #expect(hello.status == 200)
        #expect(hello.body == Array("hello".utf8))

        let bytes = try TestClient.httpGet(port: forwarded, path: "/bytes/300000")
        #expect(bytes.status == 200)
        #expect(bytes.body.count == 300_000)
        #expect(bytes.body == TargetServer.pattern(count: 300_000))

        let stream = try TestClient.httpGet(port: forwarded, path: "/stream")
        #expect(stream.status == 200)
        #expect(stream.headers["content-type"] == "text/event-stream")
        #expect(String(decoding: stream.body, as: UTF8.self) == (1...5).map { "data: \($0)\n\n" }.joined())
        #expect(stream.chunks.count >= 3, "the stream should arrive in pieces: \(stream.chunks.map(\.at))")
        if let first = stream.chunks.first, let last = stream.chunks.last {
            #expect(last.at - first.at >= .milliseconds(150))
        }
        #expect(target.acceptedConnections == 3)

        let sessions = sshd.sessionProcessIDs()
        #expect(!sessions.isEmpty)
        sshd.killSessions()
        try Wait.until("the forwarded listener to go", timeout: .seconds(10)) {
            sshd.listeners(port: forwarded).isEmpty
        }
        try Wait.until("ssh to exit", timeout: .seconds(10)) { !ssh.isRunning }
        #expect(sshd.sessionProcessIDs().isEmpty)
        #expect(sshd.listeners(port: sshd.port) == ["127.0.0.1"], "the listener survives killSessions")

        sshd.stop()
        #expect(sshd.listeners(port: sshd.port).isEmpty)
        #expect(sshd.listenerProcessID == nil)
        #expect(sshd.log.contains("Server listening on 127.0.0.1 port \(sshd.port)"))
    }

    /// A known_hosts line hashed by `ssh-keygen -H` still lets ssh verify the host.
    @Test func hashedKnownHostsLineConnects() throws {
        let sshd = try TestSSHD()
        try sshd.start()
        defer { sshd.stop() }
        let line = sshd.knownHosts(hashed: true)
        #expect(line.hasPrefix("|1|"))
        #expect(line.hasSuffix(sshd.hostKeyLine))
        #expect(!line.contains("127.0.0.1"))

        let ssh = try SSHClient(sshd: sshd, knownHosts: sshd.writeKnownHosts(line), key: .ed25519, extra: ["true"])
        let status = ssh.wait(timeout: .seconds(20))
        #expect(status == 0, "ssh: \(ssh.stderr)")
    }

    /// With StrictHostKeyChecking=yes, a known_hosts file without this host's key fails — so the
    /// checks above can fail.
    @Test func unknownHostIsRejected() throws {
        let sshd = try TestSSHD()
        try sshd.start()
        defer { sshd.stop() }
        let other = sshd.knownHosts(name: "[127.0.0.1]:\(sshd.port &+ 1)")
        let ssh = try SSHClient(sshd: sshd, knownHosts: sshd.writeKnownHosts(other), key: .ed25519, extra: ["true"])
        let status = ssh.wait(timeout: .seconds(20))
        #expect(status == 255)
        #expect(ssh.stderr.contains("Host key verification failed"), "ssh: \(ssh.stderr)")
    }

    /// Every generated user key is authorised.
    @Test(arguments: TestSSHD.KeyKind.allCases)
    func everyUserKeyAuthenticates(kind: TestSSHD.KeyKind) throws {
        let sshd = try TestSSHD()
        try sshd.start()
        defer { sshd.stop() }
        let ssh = try SSHClient(
            sshd: sshd, knownHosts: sshd.writeKnownHosts(sshd.knownHosts()), key: kind, extra: ["echo", "ok"])
        let status = ssh.wait(timeout: .seconds(20))
        #expect(status == 0, "ssh: \(ssh.stderr)\nsshd log:\n\(sshd.log)")
        #expect(ssh.stdout == "ok\n")
    }

    /// `start()` after `stop()` listens on the same port with the same host key.
    @Test func restartsOnTheSamePort() throws {
        let sshd = try TestSSHD()
        try sshd.start()
        let port = sshd.port
        let hostKey = sshd.hostKeyLine
        #expect(sshd.listeners(port: port) == ["127.0.0.1"])
        sshd.stop()
        sshd.stop()  // idempotent
        #expect(sshd.listeners(port: port).isEmpty)
        #expect(throws: (any Error).self) { _ = try TestClient.connect(port: port, timeout: .seconds(1)) }

        try sshd.start()
        defer { sshd.stop() }
        #expect(sshd.port == port && sshd.hostKeyLine == hostKey)
        #expect(sshd.listeners(port: port) == ["127.0.0.1"])
        let ssh = try SSHClient(
            sshd: sshd, knownHosts: sshd.writeKnownHosts(sshd.knownHosts()), key: .ecdsa, extra: ["true"])
        #expect(ssh.wait(timeout: .seconds(20)) == 0, "ssh: \(ssh.stderr)")
    }

    /// With `GatewayPorts yes` a remote forward binds the wildcard addresses, which `listeners`
    /// reports from /proc/net/tcp and tcp6.
    @Test func gatewayPortsYesBindsWildcard() throws {
        let sshd = try TestSSHD(gatewayPorts: "yes")
        try sshd.start()
        defer { sshd.stop() }
        let target = try TargetServer(.echo)
        defer { target.stop() }
        let forwarded = try TestSSHD.freePort()
        let ssh = try SSHClient(
            sshd: sshd, knownHosts: sshd.writeKnownHosts(sshd.knownHosts()), key: .ed25519,
            extra: ["-N", "-o", "ExitOnForwardFailure=yes", "-R", "127.0.0.1:\(forwarded):127.0.0.1:\(target.port)"])
        defer { ssh.terminate() }
        try Wait.until("the wildcard forward", timeout: .seconds(10)) {
            !ssh.isRunning || sshd.listeners(port: forwarded).contains("0.0.0.0")
        }
        try #require(ssh.isRunning, "ssh exited: \(ssh.stderr)")
        let addresses = sshd.listeners(port: forwarded)
        #expect(addresses.contains("0.0.0.0"))
        #expect(!addresses.contains("127.0.0.1"))

        // Half-close crosses the tunnel: all echoed bytes, then EOF.
        let payload = TargetServer.pattern(count: 200_000)
        #expect(try TestClient.echo(port: forwarded, bytes: payload) == payload)
    }

    /// The echo target returns everything after a half-close, then EOF.
    @Test func echoServerHonoursHalfClose() throws {
        let target = try TargetServer(.echo)
        defer { target.stop() }
        let payload = TargetServer.pattern(count: 1_000_000)
        #expect(try TestClient.echo(port: target.port, bytes: payload) == payload)
        #expect(try TestClient.echo(port: target.port, bytes: []) == [])

        let fd = try TestClient.connect(port: target.port, timeout: .seconds(5))
        defer { close(fd) }
        try TestClient.sendAll(fd, Array("ping".utf8))
        TestClient.shutdownWrite(fd)
        #expect(try TestClient.readToEOF(fd) == Array("ping".utf8))
        #expect(TestSSHD.listeners(port: target.port) == ["127.0.0.1"])
        target.stop()
        try Wait.until("the target to stop listening", timeout: .seconds(5)) { TestSSHD.listeners(port: target.port).isEmpty }
    }

    /// The pattern is deterministic and not trivially periodic.
    @Test func patternIsDeterministic() {
        let pattern = TargetServer.pattern(count: 1024)
        #expect(pattern == TargetServer.pattern(count: 1024))
        #expect(Array(pattern.prefix(4)) == [0, 0x9E, 0x3C, 0xDA])
        #expect(Set(pattern).count > 200)
    }
}

/// The OpenSSH client `/usr/bin/ssh` as a child process (spawned by `TestSSHD.launch`, since
/// ssh closes the descriptor Foundation's `Process` uses to notice its exit).
private final class SSHClient: @unchecked Sendable {
    private let pid: Int32
    private let outputURL: URL
    private let lock = NSLock()
    private var status: Int32?

    init(sshd: TestSSHD, knownHosts: String, key: TestSSHD.KeyKind, extra: [String]) throws {
        outputURL = sshd.directory.appendingPathComponent("ssh-\(UUID().uuidString.prefix(8)).out")
        pid = try TestSSHD.launch(
            "/usr/bin/ssh", ["-E", outputURL.path + ".err"] + sshd.sshArguments(key: key, knownHostsFile: knownHosts) + extra,
            output: outputURL.path)
    }

    /// Whether ssh still runs (reaps it once it has exited).
    var isRunning: Bool { exitStatus(timeout: .zero) == nil }
    /// What the remote command printed.
    var stdout: String { (try? String(contentsOf: outputURL, encoding: .utf8)) ?? "" }
    /// ssh's own diagnostics (`-E`).
    var stderr: String { (try? String(contentsOfFile: outputURL.path + ".err", encoding: .utf8)) ?? "" }

    /// Waits for exit; kills ssh and returns nil after `timeout`.
    func wait(timeout: Duration) -> Int32? {
        if let status = exitStatus(timeout: timeout) { return status }
        terminate()
        return nil
    }

    func terminate() {
        guard exitStatus(timeout: .zero) == nil else { return }
        kill(pid, SIGTERM)
        if exitStatus(timeout: .seconds(5)) == nil {
            kill(pid, SIGKILL)
            _ = exitStatus(timeout: .seconds(5))
        }
    }

    private func exitStatus(timeout: Duration) -> Int32? {
        if let status = lock.withLock({ status }) { return status }
        let result = TestSSHD.waitForExit(pid, timeout: timeout)
        lock.withLock { if status == nil { status = result } }
        return result
    }
}
