import Foundation
import Policy
import Testing
import TestSupport

/// `bridgekeeper demo`: the whole topology on one machine, used through the official SDKs with
/// the settings it prints, then stopped with SIGINT, leaving nothing behind.
@Suite("bridgekeeper demo", .serialized)
struct DemoTests {
    @Test("demo: chat (whole, streamed, tool calls), responses and messages through the tunnel; demo-m365 is 503 bridge_auth_required with the hint; SIGINT leaves no process, listener or file")
    func wholeTopology() throws {
        let port = try TestSSHD.freePort()
        let demo = try Bridgekeeper.start(["demo", "--port", "\(port)"], includingStandardOutput: true)
        defer {
            if demo.process.isRunning {
                kill(demo.process.processIdentifier, SIGINT)
                demo.process.waitUntilExit()
            }
        }
        try #require(demo.waitForOutput(containing: "Try it from another terminal", timeout: .seconds(120)), "not ready:\n\(demo.output)")
        let output = demo.output

        // What it printed: the gateway, its processes and directory, the status, the settings.
        let gateway = try #require(Self.captures(#"gateway  http://127\.0\.0\.1:(\d+)"#, in: output).first.flatMap { UInt16($0) })
        #expect(gateway == port)
        let pids = Self.captures(#"pids +demo (\d+), daemon (\d+), sshd (\d+)"#, in: output).compactMap { Int32($0) }
        try #require(pids.count == 3, "no pids line:\n\(output)")
        #expect(pids[0] == demo.process.processIdentifier)
        let directory = try #require(Self.captures(#"files +(\S+) \("#, in: output).first)
        #expect(FileManager.default.fileExists(atPath: directory + "/bridgekeeper.toml"))
        let status = output.components(separatedBy: " status --config ").last ?? ""
        // The printed status command works as pasted, from a shell whose PATH has no bridgekeeper.
        let command = try #require(Self.captures(#"\$ (\S+ status --config \S+)"#, in: output).first, "no status command:\n\(output)")
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/bin/sh")
        shell.arguments = ["-c", command]
        shell.environment = ["PATH": "/usr/bin:/bin"]
        let pipe = Pipe()
        shell.standardOutput = pipe
        shell.standardError = pipe
        try shell.run()
        let pasted = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        shell.waitUntilExit()
        // 1: not all well, since demo-m365 waits for a sign-in (127 would be "command not found").
        #expect(shell.terminationStatus == 1, "\(command): \(pasted)")
        #expect(pasted.contains("demo    up"), "\(command): \(pasted)")
        #expect(status.contains("demo    up"), "the tunnel is not shown up:\n\(status)")
        #expect(status.contains("✓"), "the tunnel's listener is not shown as proven ours:\n\(status)")
        #expect(status.contains("live") && status.contains("auth_required") && status.contains("copilot login"))
        for setting in ["curl -s http://127.0.0.1:\(port)/v1/chat/completions", "base_url=\"http://127.0.0.1:\(port)/v1\"",
            "wire_api = \"responses\"", "ANTHROPIC_BASE_URL=http://127.0.0.1:\(port)", "ANTHROPIC_AUTH_TOKEN="]
        {
            #expect(output.contains(setting), "missing: \(setting)")
        }
        // The generated tunnel key stays in its file: not one of its lines is printed.
        let keyLines = try String(contentsOfFile: directory + "/demo_ed25519", encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(!keyLines.isEmpty)
        #expect(keyLines.allSatisfy { !output.contains($0) }, "the demo printed its private key")

        // Everything it started, while it runs: its process tree, and every port it printed.
        let tree = TestSSHD.descendants(of: demo.process.processIdentifier)
        #expect(tree.contains(pids[1]) && tree.contains(pids[2]), "daemon and sshd are not the demo's children: \(tree)")
        #expect(!TestSSHD.descendants(of: pids[2]).isEmpty, "no sshd session process holds the tunnel")
        let ports = Set(Self.allCaptures(#"127\.0\.0\.1:(\d+)"#, in: output).compactMap { UInt16($0) })
        #expect(ports.count >= 6, "gateway, control, sshd, the tunnel's listener and two bridges: \(ports.sorted())")
        for listening in ports {
            #expect((try? TestClient.connect(port: listening, timeout: .seconds(2))).map { close($0) } != nil, "nothing listens on \(listening)")
        }

        // The demo serves its bridges itself: the daemon it starts holds none of their sockets.
        let bridgePorts = Set(Self.captures(#"bridges +demo 127\.0\.0\.1:(\d+), m365 127\.0\.0\.1:(\d+)"#, in: output).compactMap { UInt16($0) })
        #expect(bridgePorts.count == 2, "no bridges line:\n\(output)")
        let bridgeSockets = Set(Listener.readProcNet().listeners.filter { bridgePorts.contains($0.port) }.map { "socket:[\($0.inode)]" })
        #expect(bridgeSockets.count >= 2, "the bridges' listeners are not in /proc/net/tcp")
        let daemonDescriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pids[1])/fd")) ?? []
        let held = daemonDescriptors.filter { fd in
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pids[1])/fd/\(fd)")).map(bridgeSockets.contains) == true
        }
        #expect(held.isEmpty, "the daemon holds the demo bridges' listening sockets on descriptors \(held)")

        // The printed settings work, through the tunnel to the demo bridge, in every dialect.
        let sdk = try PythonClient.run(scriptNamed: "demo_every_dialect", environment: ["GATEWAY_PORT": "\(port)"], timeout: .seconds(90))
        try #require(sdk.status == 0, "\(sdk)")
        let out = try sdk.jsonObject()
        #expect((out["plain"] as? String)?.contains("“Hello through the tunnel”") == true, "\(out)")
        #expect((out["plain"] as? String)?.contains("demo bridge") == true)
        #expect(out["usage"] as? [Bool] == [true, true])
        #expect((out["streamed"] as? String)?.contains("“Stream it”") == true, "\(out)")
        #expect((out["chunks"] as? Int ?? 0) > 10, "the answer did not arrive in pieces")
        #expect(out["tool"] as? [String] == ["tool_calls", "get_weather", "Porto"])
        let streamedTool = out["streamed_tool"] as? [Any] ?? []
        #expect(streamedTool.first as? String == "Oslo")
        #expect((streamedTool.last as? Int ?? 0) > 1, "the tool's arguments were not streamed in pieces")
        #expect((out["responses"] as? String)?.contains("“Hello responses”") == true, "\(out)")
        #expect((out["messages"] as? String)?.contains("“Hello messages”") == true, "\(out)")
        // The printed dashboard commands work with the token file they name; the token itself is not printed.
        let tokenFile = try #require(Self.captures(#"Bearer \$\(cat (\S+)\)"#, in: output).first, "no dashboard command:\n\(output)")
        let token = try String(contentsOfFile: tokenFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(token.count >= 32 && !output.contains(token), "the demo printed its dashboard token")
        #expect(output.contains("/v1/messages -H 'Content-Type: application/json' -H 'anthropic-version: 2023-06-01'"))
        #expect(output.contains("client.responses.create(model=\"demo\""))
        let dashboard = try PythonClient.run(
            """
            import json, os, time, urllib.request
            def get(path):
                request = urllib.request.Request(os.environ['BASE'] + path, headers={'Authorization': 'Bearer ' + open(os.environ['TOKEN_FILE']).read().strip()})
                return urllib.request.urlopen(request).read().decode()
            for _ in range(100):
                total = json.loads(get('/api/dashboard/requests?limit=5'))['total']
                if total: break
                time.sleep(0.1)
            print(json.dumps({'requests': total, 'metrics': 'bridgekeeper_requests_total' in get('/metrics')}))
            """, environment: ["BASE": "http://127.0.0.1:\(port)", "TOKEN_FILE": tokenFile], timeout: .seconds(30))
        let seen = try dashboard.jsonObject()
        #expect((seen["requests"] as? Int ?? 0) > 0, "\(dashboard)")
        #expect(seen["metrics"] as? Bool == true)
        let m365 = out["m365"] as? [Any] ?? []
        #expect(m365.first as? Int == 503, "\(out)")
        #expect(m365.dropFirst().first as? String == "bridge_auth_required")
        #expect((m365.last as? String)?.contains("sign in on the bridge host: run `copilot login`") == true, "\(m365)")

        // Ctrl-C: it stops everything it started, and says so.
        kill(demo.process.processIdentifier, SIGINT)
        try Wait.until("the demo to stop after SIGINT", timeout: .seconds(40), interval: .milliseconds(100), lastSeen: { demo.output }) {
            !demo.process.isRunning
        }
        #expect(demo.process.terminationStatus == 0, "\(demo.output)")
        #expect(demo.output.contains("removed \(directory)"))

        let survivors = tree.filter(TestSSHD.isAlive)
        #expect(survivors.isEmpty, "still running: \(survivors.map { Self.commandLine($0) })")
        let strays = Self.processes(mentioning: directory)
        #expect(strays.isEmpty, "processes still using the demo's files: \(strays.map { Self.commandLine($0) })")
        for listening in ports {
            #expect((try? TestClient.connect(port: listening, timeout: .seconds(1))).map { close($0) } == nil, "127.0.0.1:\(listening) still accepts")
        }
        #expect(!FileManager.default.fileExists(atPath: directory), "\(directory) is still there")
    }

    @Test("demo --port refuses a port in use, clearly, and leaves nothing behind")
    func portInUse() throws {
        let target = try TargetServer(.http)
        let result = try Bridgekeeper.run(["demo", "--port", "\(target.port)"])
        #expect(result.status == 1)
        #expect(result.errors.contains("--port \(target.port): 127.0.0.1:\(target.port) is already in use"), "\(result.errors)")
        let directory = try #require(Self.captures(#"working in (\S+)"#, in: result.errors).first)
        #expect(!FileManager.default.fileExists(atPath: directory))
        #expect(Self.processes(mentioning: directory).isEmpty)
    }

    /// The capture groups of the first match of `pattern`.
    static func captures(_ pattern: String, in text: String) -> [String] {
        guard let regex = try? NSRegularExpression(pattern: pattern),
            let match = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text))
        else { return [] }
        return (1..<match.numberOfRanges).compactMap { Range(match.range(at: $0), in: text).map { String(text[$0]) } }
    }

    /// The first capture group of every match of `pattern`.
    static func allCaptures(_ pattern: String, in text: String) -> [String] {
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return [] }
        return regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap {
            Range($0.range(at: 1), in: text).map { String(text[$0]) }
        }
    }

    /// Live processes whose command line mentions `text` (sshd -f DIR/sshd_config, run --config DIR/…).
    static func processes(mentioning text: String) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            pid != getpid() && TestSSHD.isAlive(pid) && commandLine(pid).contains(text)
        }
    }

    /// `/proc/PID/cmdline` with spaces between the arguments.
    static func commandLine(_ pid: Int32) -> String {
        let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") ?? Data()
        return String(decoding: data.map { $0 == 0 ? UInt8(ascii: " ") : $0 }, as: UTF8.self)
    }
}
