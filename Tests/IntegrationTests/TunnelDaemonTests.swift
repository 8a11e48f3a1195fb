import Foundation
import Testing
import TestSupport

/// The built binary holds a reverse tunnel through a real sshd and reports it through `status`.
@Suite("bridgekeeper run with a tunnel", .serialized)
struct TunnelDaemonTests {
    static func config(_ sshd: TestSSHD, control: UInt16, listen: UInt16, target: UInt16, knownHosts: String) -> String {
        """
        [supervisor]
        control = "127.0.0.1:\(control)"

        [gateway]
        listen = "127.0.0.1:\(try! TestSSHD.freePort())"

        [[tunnels]]
        name = "home"
        mode = "reverse"
        server = "\(sshd.user)@127.0.0.1:\(sshd.port)"
        identity_file = "\(sshd.userKey(.ed25519))"
        known_hosts = "\(knownHosts)"
        keepalive = "2s"
          [[tunnels.forwards]]
          listen = "127.0.0.1:\(listen)"
          target = "127.0.0.1:\(target)"

        [[bridges]]
        name = "codex"
        url = "http://127.0.0.1:\(listen)"
        api = "openai"
        tunnel = "home"
        """
    }

    /// `status --json`, parsed.
    static func status(_ config: String) throws -> (code: Int32, json: [String: Any]) {
        let result = try Bridgekeeper.run(["status", "--json", "--config", config])
        let object = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any] ?? [:]
        return (result.status, object)
    }

    static func tunnel(_ json: [String: Any]) -> [String: Any] {
        (json["tunnels"] as? [[String: Any]])?.first ?? [:]
    }

    @Test("run starts the tunnel; status shows it up, then tunnel_down for its bridge when sshd goes; SIGTERM closes it")
    func tunnelThroughTheBinary() throws {
        let sshd = try TestSSHD()
        try sshd.start()
        let target = try TargetServer(.http)
        let listen = try TestSSHD.freePort()
        let dir = try TemporaryDirectory("test")
        let config = try dir.write(
            "bk.toml",
            Self.config(
                sshd, control: try TestSSHD.freePort(), listen: listen, target: target.port,
                knownHosts: sshd.writeKnownHosts(sshd.knownHosts())))

        let unreachable = try Self.status(config)
        #expect(unreachable.code == 2)
        #expect(unreachable.json["error"] as? String == "daemon_unreachable")

        let daemon = try Bridgekeeper.start(["run", "--config", config])
        defer { if daemon.process.isRunning { daemon.process.terminate() } }
        try Wait.until("the tunnel to be up", timeout: .seconds(30)) {
            (try? Self.tunnel(Self.status(config).json)["state"] as? String) == "up"
        }
        // The bridge is probed through the tunnel (GET /v1/models reaches the target): live.
        try Wait.until("the bridge to be live", timeout: .seconds(15)) {
            let json = (try? Self.status(config).json) ?? [:]
            return ((json["bridges"] as? [[String: Any]])?.first?["state"] as? String) == "live"
        }
        let up = try Self.status(config)
        #expect(up.code == 0)
        let tunnel = Self.tunnel(up.json)
        #expect(tunnel["name"] as? String == "home")
        #expect(tunnel["since"] is String)
        #expect(((tunnel["forwards"] as? [[String: Any]])?.first?["verified"] as? Bool) == true)
        // The /proc scan can miss a socket while processes come and go on a busy machine: ask again.
        try Wait.until("sshd's listener on loopback", timeout: .seconds(10)) { sshd.listeners(port: listen) == ["127.0.0.1"] }
        #expect(try TestClient.httpGet(port: listen, path: "/").status == 200)
        let bridge = (up.json["bridges"] as? [[String: Any]])?.first ?? [:]
        #expect(bridge["tunnel"] as? String == "home")
        #expect(bridge["latency_ms"] is Double)

        let text = try Bridgekeeper.run(["status", "--config", config])
        #expect(text.output.contains("home"))
        #expect(text.output.contains("127.0.0.1:\(listen)→127.0.0.1:\(target.port) ✓"))

        sshd.stop()
        try Wait.until("tunnel_down", timeout: .seconds(20)) {
            let json = (try? Self.status(config).json) ?? [:]
            return ((json["bridges"] as? [[String: Any]])?.first?["state"] as? String) == "tunnel_down"
        }
        let down = Self.tunnel(try Self.status(config).json)
        #expect(down["state"] as? String == "backoff")
        #expect(["connect_failed", "disconnected"].contains(down["failure"] as? String ?? ""))

        try sshd.start()
        try Wait.until("the tunnel to come back", timeout: .seconds(40)) {
            (try? Self.tunnel(Self.status(config).json)["state"] as? String) == "up"
        }
        kill(daemon.process.processIdentifier, SIGTERM)
        daemon.process.waitUntilExit()
        #expect(daemon.process.terminationStatus == 0)
        try Wait.until("the listener to close with the session", timeout: .seconds(10)) { sshd.listeners(port: listen).isEmpty }
    }
}
