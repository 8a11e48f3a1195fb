import Foundation
import Testing
import TestSupport

/// The built binary tells on-call what changed, through a real webhook receiver on loopback.
@Suite("bridgekeeper run notifies on-call", .serialized)
struct NotificationDaemonTests {
    static let hint = "Set MICROSOFT_CLIENT_ID or M365_COPILOT_ACCESS_TOKEN."

    static func config(state: String, bridge: String, webhook: String, command: String? = nil) throws -> String {
        try daemonSections(state: state) + """
        [[bridges]]
        name = "m365"
        url = "\(bridge)"
        api = "openai"
        \(command.map { "command = \($0)" } ?? "")
          [bridges.probe]
          interval = "300ms"
          timeout = "200ms"

        # These tests page for bridges bad from the start: no startup grace.
        [notify]
        startup_grace = "0s"

        [[notify.webhooks]]
        name = "oncall"
        url = "\(webhook)/hook"
        format = "json"
        """
    }

    static func events(_ receiver: StubHTTPServer) -> [String] {
        receiver.requests.compactMap { request in
            ((try? JSONSerialization.jsonObject(with: Data(request.body.utf8))) as? [String: Any])?["event"] as? String
        }
    }

    static func stop(_ daemon: Bridgekeeper.Running) {
        kill(daemon.process.processIdentifier, SIGTERM)
        daemon.process.waitUntilExit()
    }

    @Test("one webhook per transition, none for repeated probes, none again after a restart; recovery follows")
    func onePerTransitionAcrossRestart() throws {
        let bridge = try StubHTTPServer(reply: .respond(status: 200, body: #"{"data":[]}"#))
        let receiver = try StubHTTPServer(reply: .respond(status: 200, body: "ok", contentType: "text/plain"))
        let dir = try TemporaryDirectory("test")
        let config = try dir.write("bk.toml", Self.config(state: dir.path + "/state", bridge: bridge.url, webhook: receiver.url))

        let first = try Bridgekeeper.start(["run", "--config", config])
        defer { if first.process.isRunning { Self.stop(first) } }
        try Wait.until("a few live probes", timeout: .seconds(15)) { bridge.requests.count >= 3 }
        #expect(receiver.requests.isEmpty, "unknown → live paged")

        bridge.reply = .respond(status: 401, body: #"{"status":"auth_required","message":"\#(Self.hint)"}"#)
        try Wait.until("the opening notice", timeout: .seconds(15)) { !receiver.requests.isEmpty }
        let probes = bridge.requests.count
        try Wait.until("five more probes", timeout: .seconds(15)) { bridge.requests.count >= probes + 5 }
        #expect(Self.events(receiver) == ["opened"])
        #expect(receiver.requests.first?.body.contains(Self.hint) == true)
        Self.stop(first)
        #expect(first.process.terminationStatus == 0)

        let second = try Bridgekeeper.start(["run", "--config", config])
        defer { if second.process.isRunning { Self.stop(second) } }
        let restarted = bridge.requests.count
        try Wait.until("five probes after the restart", timeout: .seconds(15)) { bridge.requests.count >= restarted + 5 }
        #expect(Self.events(receiver) == ["opened"], "paged again after a restart")

        bridge.reply = .respond(status: 200, body: #"{"data":[]}"#)
        try Wait.until("the recovery notice", timeout: .seconds(15)) { receiver.requests.count >= 2 }
        #expect(Self.events(receiver) == ["opened", "recovered"])
    }

    @Test("a managed bridge that binds 0.0.0.0 is killed, shown exposed, and paged once")
    func exposedManagedBridge() throws {
        let port = try TestSSHD.freePort()
        let receiver = try StubHTTPServer(reply: .respond(status: 200, body: "ok", contentType: "text/plain"))
        let dir = try TemporaryDirectory("test")
        let command = #"["/usr/bin/python3", "-m", "http.server", "--bind", "0.0.0.0", "\#(port)"]"#
        let config = try dir.write(
            "bk.toml", Self.config(state: dir.path + "/state", bridge: "http://127.0.0.1:\(port)", webhook: receiver.url, command: command))
        // At debug level every probe is logged, and the exposed bridge's are "not believed".
        let daemon = try Bridgekeeper.start(["run", "--config", config, "--log-level", "debug"])
        defer { if daemon.process.isRunning { Self.stop(daemon) } }
        try Wait.until("the exposure notice", timeout: .seconds(15)) { !receiver.requests.isEmpty }
        let body = receiver.requests.first?.body ?? ""
        #expect(body.contains("\"exposed\""))
        #expect(body.contains("0.0.0.0:\(port)"))
        let status = try Bridgekeeper.run(["status", "--json", "--config", config])
        #expect(status.output.contains("\"state\" : \"exposed\""))
        #expect(TestClientProbe.refused(port: port), "the exposed bridge still listens")
        // Five more probes go by, none believed, and nobody is paged again.
        let probes = daemon.occurrences(of: "not believed")
        try Wait.until("five more probes", timeout: .seconds(15), lastSeen: { daemon.output }) {
            daemon.occurrences(of: "not believed") >= probes + 5
        }
        #expect(Self.events(receiver) == ["opened"])
    }
}

/// Whether nothing listens on a loopback port any more.
enum TestClientProbe {
    static func refused(port: UInt16) -> Bool {
        (try? TestClient.connect(port: port, timeout: .milliseconds(500))).map { close($0); return false } ?? true
    }
}
