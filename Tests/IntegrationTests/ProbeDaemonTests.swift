import Foundation
import Testing
import TestSupport

/// The built binary probes real HTTP servers playing each bridge state and reports them through
/// `status` and `probe`.
@Suite("bridgekeeper run and probe with bridges")
struct ProbeDaemonTests {
    static let hint = "Set MICROSOFT_CLIENT_ID or M365_COPILOT_ACCESS_TOKEN."

    @Test("live, auth_required with the bridge's words, refused and accepted-then-closed are told apart")
    func states() throws {
        let live = try StubHTTPServer(reply: .respond(status: 200, body: #"{"object":"list","data":[]}"#))
        let auth = try StubHTTPServer(reply: .respond(status: 401, body: #"{"status":"auth_required","message":"\#(Self.hint)"}"#))
        let closing = try StubHTTPServer(reply: .closeWithoutReply)
        let nobody = try TestSSHD.freePort()
        let dir = try TemporaryDirectory("test")
        let state = dir.path + "/state"
        let config = try dir.write("bk.toml", try daemonSections(state: state) + """
            [[bridges]]
            name = "codex"
            url = "\(live.url)"
            api = "openai"

            [[bridges]]
            name = "m365"
            url = "\(auth.url)"
            api = "openai"
              [bridges.probe]
              path = "/health"

            [[bridges]]
            name = "ollama"
            url = "http://127.0.0.1:\(nobody)"
            api = "ollama"
              [bridges.probe]
              interval = "300ms"
              timeout = "200ms"

            [[bridges]]
            name = "copilot"
            url = "\(closing.url)"
            api = "openai"
              [bridges.probe]
              interval = "300ms"
              timeout = "200ms"
            """)
        let daemon = try Bridgekeeper.start(["run", "--config", config])
        defer { if daemon.process.isRunning { daemon.process.terminate() } }
        var bridges: [String: [String: Any]] = [:]
        try Wait.until("four probed bridges", timeout: .seconds(20), interval: .milliseconds(200), lastSeen: { "\(bridges)" }) {
            let result = try Bridgekeeper.run(["status", "--json", "--config", config])
            let json = (try? JSONSerialization.jsonObject(with: Data(result.output.utf8))) as? [String: Any] ?? [:]
            bridges = Dictionary(((json["bridges"] as? [[String: Any]]) ?? []).map { ($0["name"] as? String ?? "", $0) }, uniquingKeysWith: { a, _ in a })
            return bridges.count >= 4 && !bridges.values.contains(where: { $0["state"] as? String == "unknown" })
        }

        #expect(bridges["codex"]?["state"] as? String == "live")
        #expect(bridges["codex"]?["http_status"] as? Int == 200)
        #expect(bridges["m365"]?["state"] as? String == "auth_required")
        #expect(bridges["m365"]?["message"] as? String == Self.hint)
        #expect(auth.requests.first?.path == "/health")
        #expect(live.requests.first?.path == "/v1/models")
        #expect(bridges["ollama"]?["state"] as? String == "down")
        #expect((bridges["ollama"]?["reason"] as? String)?.contains("connection refused") == true)
        #expect(bridges["copilot"]?["state"] as? String == "down")
        #expect((bridges["copilot"]?["reason"] as? String)?.contains("accepted, then closed with no reply") == true)
        #expect(try Bridgekeeper.run(["status", "--config", config]).status == 1)
        #expect(FileManager.default.fileExists(atPath: state + "/bridgekeeper.sqlite"))

        kill(daemon.process.processIdentifier, SIGTERM)
        daemon.process.waitUntilExit()
        #expect(daemon.process.terminationStatus == 0)

        let probeLive = try Bridgekeeper.run(["probe", "codex", "--config", config])
        #expect(probeLive.status == 0, "\(probeLive.output)\(probeLive.errors)")
        #expect(probeLive.output.contains("verdict: live"))
        #expect(probeLive.output.range(of: #"connect +[0-9.]+ ms"#, options: .regularExpression) != nil)
        let probeAuth = try Bridgekeeper.run(["probe", "m365", "--config", config])
        #expect(probeAuth.status == 1)
        #expect(probeAuth.output.contains("verdict: auth_required"))
        #expect(probeAuth.output.contains(Self.hint))
        let unknown = try Bridgekeeper.run(["probe", "nosuch", "--config", config])
        #expect(unknown.status == 2)
        #expect(unknown.errors.contains("configured: codex, m365, ollama, copilot"))
    }

    @Test("a state directory that cannot be created stops run with an error naming it")
    func unusableStateDirectory() throws {
        let dir = try TemporaryDirectory("test")
        let blocker = try dir.write("file", "not a directory")
        let config = try dir.write("bk.toml", try daemonSections(state: "\(blocker)/state"))
        let result = try Bridgekeeper.run(["run", "--config", config])
        #expect(result.status == 1)
        #expect(result.errors.contains("\(blocker)/state"), "\(result.errors)")
    }
}
