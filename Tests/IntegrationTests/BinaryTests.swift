import Foundation
import Policy
import Testing
import TestSupport

/// The built `bridgekeeper` binary, run as a black box.
@Suite struct BinaryTests {
    @Test func checkPassesACleanConfig() throws {
        let dir = try TemporaryDirectory("test")
        let config = try dir.write("clean.toml", Self.config(gateway: "127.0.0.1:4000", bridge: "http://127.0.0.1:3253"))
        let result = try Bridgekeeper.run(["check", "--config", config])
        #expect(result.status == 0, "\(result.output)\(result.errors)")
        #expect(result.output.contains("check: 3 addresses checked, 0 violations"))
    }

    @Test func checkRefusesUnsafeBindsWithJSONForCI() throws {
        let dir = try TemporaryDirectory("test")
        let config = try dir.write("bad.toml", Self.config(gateway: "0.0.0.0:4000", bridge: "http://127.1:3253"))
        let text = try Bridgekeeper.run(["check", "--config", config])
        #expect(text.status == 1)
        #expect(text.output.contains("bad.toml:2: gateway.listen = \"0.0.0.0:4000\": refused [unspecified]"))
        #expect(text.output.contains("fix: bind 127.0.0.1:4000 instead"))

        let json = try Bridgekeeper.run(["check", "--config", config, "--format", "json"])
        #expect(json.status == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any])
        #expect(object["ok"] as? Bool == false)
        let findings = try #require(object["findings"] as? [[String: Any]])
        #expect(findings.compactMap { $0["rule"] as? String } == ["unspecified", "ambiguous_numeric"])
        #expect(findings.compactMap { $0["location"] as? String }.allSatisfy { $0.hasSuffix("bad.toml:2") || $0.hasSuffix("bad.toml:9") })
    }

    @Test func checkExitsTwoOnInvalidOrUnreadableInput() throws {
        let dir = try TemporaryDirectory("test")
        let config = try dir.write("invalid.toml", "[gateway]\nlisten = \"127.0.0.1:4000\"\nlisen = 1\n")
        let json = try Bridgekeeper.run(["check", "--config", config, "--format", "json"])
        #expect(json.status == 2)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any])
        #expect(object["error"] as? String == "invalid")
        let problems = try #require(object["problems"] as? [[String: Any]])
        #expect(problems.first?["line"] as? Int == 3)
        #expect(problems.first?["key"] as? String == "gateway.lisen")

        let missing = try Bridgekeeper.run(["check", "--config", dir.path + "/absent.toml"])
        #expect(missing.status == 2)
        #expect(missing.errors.contains("absent.toml: cannot read the config file (no such file)"))

        let badPolicy = try dir.write("policy.toml", "[[exceptions]]\naddress = \"0.0.0.0\"\nport = 1\nreason = \"no\"\n")
        let refused = try Bridgekeeper.run(["check", "--config", try dir.write("ok.toml", Self.config(gateway: "127.0.0.1:4000", bridge: "http://127.0.0.1:1")), "--policy", badPolicy])
        #expect(refused.status == 2)
        #expect(refused.errors.contains("policy.toml:2: exceptions[0].address: '0.0.0.0' cannot be excepted"))
    }

    @Test func checkPrintsEveryExceptionInForce() throws {
        let dir = try TemporaryDirectory("test")
        let policy = try dir.write("policy.toml", "[[exceptions]]\naddress = \"192.168.1.5\"\nport = 3253\nreason = \"lab VLAN\"\n")
        let config = try dir.write("c.toml", Self.config(gateway: "127.0.0.1:4000", bridge: "http://192.168.1.5:3253"))
        let result = try Bridgekeeper.run(["check", "--config", config, "--policy", policy])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("allowed by exception"))
        #expect(result.output.contains("exception in force: \(policy):1: 192.168.1.5 port 3253: \"lab VLAN\""))
    }

    @Test func runRefusesToStartOnAViolation() throws {
        let dir = try TemporaryDirectory("test")
        let config = try dir.write("bad.toml", Self.config(gateway: "[::]:4000", bridge: "http://127.0.0.1:1"))
        let result = try Bridgekeeper.run(["run", "--config", config])
        #expect(result.status == 1)
        #expect(result.errors.contains("refusing to start"))
        #expect(result.errors.contains("gateway.listen = \"[::]:4000\": refused [unspecified]"))
    }

    @Test func runShutsDownCleanlyOnSIGTERM() throws {
        let dir = try TemporaryDirectory("test")
        let control = "127.0.0.1:\(try TestSSHD.freePort())"
        let config = try dir.write("c.toml", Self.config(gateway: "127.0.0.1:4000", bridge: "http://127.0.0.1:1", control: control))
        let process = try Bridgekeeper.start(["run", "--config", config])
        let started = process.waitForOutput(containing: "supervisor started", timeout: .seconds(30))
        #expect(started)
        kill(process.process.processIdentifier, SIGTERM)
        process.process.waitUntilExit()
        #expect(process.process.terminationReason == .exit)
        #expect(process.process.terminationStatus == 0)
    }

    /// The configs shipped in examples/ are the ones the README points operators at.
    @Test(arguments: ["gateway-host.toml", "bridge-host.toml"])
    func shippedExamplesPassCheck(name: String) throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let result = try Bridgekeeper.run(["check", "--config", root.appendingPathComponent("examples/\(name)").path])
        #expect(result.status == 0, "\(result.output)\(result.errors)")
    }

    /// A bridge host exposes nothing it does not need: without `[gateway]` the config passes
    /// `check`, and `run` probes, answers `status`, and listens on the control endpoint alone.
    @Test func aBridgeHostWithoutGatewayListensOnlyForControl() throws {
        let bridge = try StubHTTPServer(reply: .respond(status: 200, body: #"{"object":"list","data":[]}"#))
        let dir = try TemporaryDirectory("test")
        let control = try TestSSHD.freePort()
        let config = try dir.write("bridge-host.toml", """
            [supervisor]
            control = "127.0.0.1:\(control)"
            state_dir = "\(dir.path)/state"

            [[bridges]]
            name = "codex"
            url = "\(bridge.url)"
            api = "openai"
            """)
        let check = try Bridgekeeper.run(["check", "--config", config])
        #expect(check.status == 0, "\(check.output)\(check.errors)")
        #expect(check.output.contains("check: 2 addresses checked, 0 violations"))

        let daemon = try Bridgekeeper.start(["run", "--config", config])
        defer { if daemon.process.isRunning { daemon.process.terminate() } }
        #expect(daemon.waitForOutput(containing: "ready: control endpoint accepts connections (no [gateway])", timeout: .seconds(30)), "\(daemon.output)")
        var status = try Bridgekeeper.run(["status", "--config", config])
        try Wait.until("status to answer", timeout: .seconds(20), interval: .milliseconds(200), lastSeen: { status.output + status.errors }) {
            status = try Bridgekeeper.run(["status", "--config", config])
            return status.status == 0
        }
        #expect(status.output.contains("codex"))
        #expect(Self.listeningPorts(of: daemon.process.processIdentifier) == [control])
    }

    /// The TCP ports process `pid` listens on: its socket inodes (`/proc/PID/fd`) matched against
    /// the listeners in `/proc/net/tcp{,6}`.
    static func listeningPorts(of pid: Int32) -> Set<UInt16> {
        let fdDirectory = "/proc/\(pid)/fd"
        let links = (try? FileManager.default.contentsOfDirectory(atPath: fdDirectory)) ?? []
        let inodes = Set(links.compactMap { name -> UInt64? in
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "\(fdDirectory)/\(name)"),
                target.hasPrefix("socket:[") else { return nil }
            return UInt64(target.dropFirst("socket:[".count).dropLast())
        })
        return Set(Listener.readProcNet().listeners.filter { inodes.contains($0.inode) }.map(\.port))
    }

    static func config(gateway: String, bridge: String, control: String = "127.0.0.1:4099") -> String {
        """
        [gateway]
        listen = "\(gateway)"

        [supervisor]
        control = "\(control)"

        [[bridges]]
        name = "b"
        url = "\(bridge)"
        api = "openai"
        """
    }
}
