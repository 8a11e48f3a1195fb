import Foundation
import Testing
import TestSupport

/// `bridgekeeper run` reloading its config on SIGHUP: a real sshd holding the daemon's reverse
/// tunnel to a fake bridge, a stand-in for systemd's `NOTIFY_SOCKET`.
@Suite("bridgekeeper reload on SIGHUP", .serialized)
struct ReloadTests {
    /// A daemon holding tunnel `home` (sshd's listener → `bridge`) for bridge `codex`, which serves
    /// model `gpt-test`; `reconfigure` rewrites its config file.
    final class Topology {
        let sshd: TestSSHD
        let bridge: FakeOpenAIBridge
        let dir: TemporaryDirectory
        let socket: NotifySocket
        let daemon: Bridgekeeper.Running
        let config: String
        let gateway: UInt16
        private let base: String

        init() throws {
            sshd = try TestSSHD()
            try sshd.start()
            bridge = try FakeOpenAIBridge(models: ["gpt-test", "gpt-new"])
            dir = try TemporaryDirectory("test")
            gateway = try TestSSHD.freePort()
            let listen = try TestSSHD.freePort()
            base = """
                [supervisor]
                control = "127.0.0.1:\(try TestSSHD.freePort())"
                state_dir = "\(dir.path)/state"

                [gateway]
                listen = "127.0.0.1:\(gateway)"

                [[tunnels]]
                name = "home"
                mode = "reverse"
                server = "\(sshd.user)@127.0.0.1:\(sshd.port)"
                identity_file = "\(sshd.userKey(.ed25519))"
                known_hosts = "\(sshd.writeKnownHosts(sshd.knownHosts()))"
                keepalive = "2s"
                  [[tunnels.forwards]]
                  listen = "127.0.0.1:\(listen)"
                  target = "127.0.0.1:\(bridge.port)"

                [[bridges]]
                name = "codex"
                url = "http://127.0.0.1:\(listen)"
                api = "openai"
                tunnel = "home"
                  [bridges.probe]
                  interval = "300ms"
                  timeout = "250ms"

                [[models]]
                id = "gpt-test"
                routes = ["codex"]

                """
            config = try dir.write("bk.toml", base)
            socket = try NotifySocket(directory: dir.path)
            daemon = try Bridgekeeper.start(["run", "--config", config], extraEnvironment: ["NOTIFY_SOCKET": socket.path])
            guard socket.wait(for: "READY=1", timeout: .seconds(30)) != nil else { throw TestClient.Failure("no READY=1: \(daemon.output)") }
            try Wait.until("bridge codex live through the tunnel", timeout: .seconds(30)) { bridgeState("codex") == "live" }
        }

        deinit {
            if daemon.process.isRunning {
                kill(daemon.process.processIdentifier, SIGTERM)
                daemon.process.waitUntilExit()
            }
            socket.stop()
            bridge.stop()
            sshd.stop()
        }

        /// Rewrites the config: the original plus `extra`, with the gateway's listen port `listen`.
        func reconfigure(listen: UInt16? = nil, adding extra: String) throws {
            let text = listen.map { base.replacingOccurrences(of: "127.0.0.1:\(gateway)", with: "127.0.0.1:\($0)") } ?? base
            _ = try dir.write("bk.toml", text + extra)
        }

        /// A bridge's state per `status --json`.
        func bridgeState(_ name: String) -> String? {
            guard let result = try? Bridgekeeper.run(["status", "--json", "--config", config]),
                let json = try? JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any]
            else { return nil }
            return (json["bridges"] as? [[String: Any]])?.first { $0["name"] as? String == name }?["state"] as? String
        }

        /// Sends SIGHUP and waits for the `READY=1` that ends the reload (the `count`-th in all).
        func reload(readyCount count: Int) throws {
            kill(daemon.process.processIdentifier, SIGHUP)
            try Wait.until("READY=1 after the reload", timeout: .seconds(20)) {
                socket.messages.filter { $0.has("READY=1") }.count >= count
            }
        }

        /// A chat completion for `model` through the gateway: its HTTP status and body.
        func complete(_ model: String, stream: Bool = false) -> PythonClient.Background {
            PythonClient.start(
                scriptNamed: "reload_chat_completion",
                environment: ["GATEWAY_PORT": "\(gateway)", "MODEL": model, "STREAM": stream ? "true" : "false"], timeout: .seconds(60))
        }
    }

    /// The status and body `complete` printed.
    static func answer(_ run: PythonClient.Background) throws -> (status: Int, body: String) {
        let json = try run.wait().jsonObject()
        return (json["status"] as? Int ?? 0, json["body"] as? String ?? "")
    }

    @Test("a valid reload: RELOADING=1 with MONOTONIC_USEC= then READY=1; the tunnel keeps its SSH session, a stream in flight finishes, the added model and bridge serve")
    func validReload() throws {
        let topology = try Topology()
        let sessions = topology.sshd.sessionProcessIDs()
        #expect(!sessions.isEmpty)

        topology.bridge.pauseAfterFirstChunk = .seconds(60)
        let inFlight = topology.complete("gpt-test", stream: true)
        #expect(topology.bridge.waitUntilFirstChunkSent(timeout: .seconds(20)), "the stream never started")

        let extra = try FakeOpenAIBridge(models: ["gpt-new"])
        defer { extra.stop() }
        let otherPort = try TestSSHD.freePort()
        try topology.reconfigure(listen: otherPort, adding: """
            [[bridges]]
            name = "extra"
            url = "\(extra.url)"
            api = "openai"
              [bridges.probe]
              interval = "300ms"
              timeout = "250ms"

            [[models]]
            id = "gpt-new"
            routes = ["extra", "codex"]

            """)
        try topology.reload(readyCount: 2)
        let messages = topology.socket.messages
        let reloading = try #require(messages.firstIndex { $0.has("RELOADING=1") }, "\(messages.map(\.text))")
        #expect(messages[reloading].text.split(separator: "\n").contains { $0.hasPrefix("MONOTONIC_USEC=") && UInt64($0.dropFirst(15)) != nil })
        #expect(messages[(reloading + 1)...].contains { $0.has("READY=1") }, "READY=1 must follow RELOADING=1")
        #expect(topology.daemon.waitForOutput(containing: "reloaded: tunnels kept 1, added 0", timeout: .seconds(5)), "\(topology.daemon.output)")
        // The listen address cannot move without a restart: said so, and the gateway stays put (below).
        #expect(
            topology.daemon.output.contains(
                "gateway listen address 127.0.0.1:\(otherPort) (still 127.0.0.1:\(topology.gateway)) takes effect at the next restart"),
            "\(topology.daemon.output)")

        // The stream paused across the reload finishes whole.
        topology.bridge.resumePausedStreams()
        let streamed = try Self.answer(inFlight)
        #expect(streamed.status == 200)
        #expect(streamed.body.contains("data: [DONE]"), "\(streamed.body)")

        try Wait.until("bridge extra live", timeout: .seconds(15)) { topology.bridgeState("extra") == "live" }
        let added = try Self.answer(topology.complete("gpt-new"))
        #expect(added.status == 200, "\(added.body)")
        #expect(extra.requests.contains { $0.method == "POST" }, "gpt-new goes to the added bridge first")
        #expect(try Self.answer(topology.complete("gpt-test")).status == 200)
        #expect(topology.sshd.sessionProcessIDs() == sessions, "the unchanged tunnel's SSH session was replaced")
    }

    @Test("an invalid config on reload is logged by its problem and changes nothing")
    func invalidReload() throws {
        let topology = try Topology()
        let sessions = topology.sshd.sessionProcessIDs()
        #expect(!sessions.isEmpty)
        try topology.reconfigure(adding: """
            [[models]]
            id = "gpt-new"
            routes = ["nowhere"]

            """)
        try topology.reload(readyCount: 2)
        let output = topology.daemon.output
        #expect(output.contains("reload refused"), "\(output)")
        #expect(output.contains("routes to bridge 'nowhere', which is not defined"), "\(output)")
        #expect(topology.daemon.process.isRunning)
        #expect(try Self.answer(topology.complete("gpt-test")).status == 200)
        #expect(try Self.answer(topology.complete("gpt-new")).status == 404)
        #expect(topology.sshd.sessionProcessIDs() == sessions)
    }
}
