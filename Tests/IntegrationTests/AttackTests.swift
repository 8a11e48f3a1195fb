import Foundation
import Store
import Testing
import TestSupport

/// The attacks of SECURITY.md, replayed against the built binary: each test does what the attacker
/// does and checks that nothing is gained. Every one of them failed on 0861575.
@Suite("attacks on the built binary", .serialized)
struct AttackTests {
    static let alice = "sk-alice-key-00000001"
    static let bob = "sk-bob-key-00000002"
    static var keys: String { "alice sha256:\(ClientKeyHash.sha256Hex(alice))\nbob sha256:\(ClientKeyHash.sha256Hex(bob))\n" }

    /// An unencrypted ed25519 key at `path` (0600), made by ssh-keygen.
    static func generateKey(at path: String) throws {
        let keygen = Process()
        keygen.executableURL = URL(fileURLWithPath: "/usr/bin/ssh-keygen")
        keygen.arguments = ["-q", "-t", "ed25519", "-N", "", "-f", path]
        try keygen.run()
        keygen.waitUntilExit()
    }

    // MARK: 1. the ledger

    @Test("ledger: rows carry the authenticated key, X-Caller only labels; refused requests leave none; hostile labels cost no rows")
    func theLedgerCannotBeForgedOrErased() throws {
        let bridge = try FakeOpenAIBridge(models: ["gpt-test"])
        let daemon = try GatewayDaemonTests.start(bridges: [("codex", bridge.url)], routes: ["codex"], clientKeys: Self.keys)
        defer { daemon.stop() }
        // 1,000 authenticated requests over two kept-alive connections, 10 of them with an X-Caller
        // that is a credential; one of bob's claims to be alice; 50 refused ones claim to be SK-x.
        let result = try PythonClient.run(
            scriptNamed: "attack_ledger_flood",
            environment: ["GATEWAY_PORT": "\(daemon.gateway)", "ALICE_KEY": Self.alice, "BOB_KEY": Self.bob], timeout: .seconds(120))
        #expect(result.status == 0, "\(result)")
        let statuses = try result.jsonObject()
        #expect(statuses["200"] as? Int == 1000)
        #expect(statuses["401"] as? Int == 100)

        let metrics = try GatewayDaemonTests.get(daemon, "/metrics", token: GatewayDaemonTests.dashboardToken)
        #expect(metrics.text.contains(#"bridgekeeper_gateway_rejected_total{reason="unauthorized"} 100"#), "\(metrics.text)")
        daemon.stop()

        let store = try Store(directory: daemon.state)
        #expect(try store.requestCount(matching: RequestFilter()) == 1000, "a row was lost or a refused request written")
        #expect(try store.requestCount(matching: RequestFilter(status: 401)) == 0)
        #expect(try store.requestCount(matching: RequestFilter(key: "alice")) == 500)
        #expect(try store.requestCount(matching: RequestFilter(key: "bob")) == 500)
        #expect(try store.requestCount(matching: RequestFilter(caller: "team-a")) == 989)
        let impersonation = try store.requests(matching: RequestFilter(caller: "alice"), limit: 10, offset: 0)
        #expect(impersonation.map(\.key) == ["bob"], "X-Caller must never stand in for the key")
        var callers: Set<String> = []
        for offset in stride(from: 0, to: 1000, by: 500) {
            for row in try store.requests(matching: RequestFilter(), limit: 500, offset: offset) {
                callers.insert(row.caller ?? "<none>")
            }
        }
        #expect(callers == ["team-a", "alice", "<none>"], "a hostile label was stored: \(callers)")
    }

    // MARK: 2. localhost

    @Test("localhost: probes and requests go to 127.0.0.1 even where the resolver says ::1 first, and a squatter on [::1] sees nothing")
    func localhostIsNeverResolved() throws {
        let bridge = try FakeOpenAIBridge(models: ["gpt-test"])
        let squatter = try LoopbackV6Squatter(port: UInt16(URL(string: bridge.url)!.port!))
        defer { squatter.stop() }
        let dir = try TemporaryDirectory("test")
        // In a mount namespace of the daemon's own, /etc/hosts lists ::1 first for localhost.
        let hosts = try dir.write("hosts", "::1 localhost\n127.0.0.1 localhost\n")
        let gateway = try TestSSHD.freePort()
        let config = try dir.write("bk.toml", """
            [supervisor]
            control = "127.0.0.1:\(try TestSSHD.freePort())"
            state_dir = "\(dir.path)/state"

            [gateway]
            listen = "127.0.0.1:\(gateway)"

            [[bridges]]
            name = "codex"
            url = "http://localhost:\(squatter.port)"
            api = "openai"
              [bridges.probe]
              interval = "300ms"
              timeout = "250ms"

            [[models]]
            id = "gpt-test"
            routes = ["codex"]
            """)
        let daemon = try Bridgekeeper.start(
            ["run", "--config", config],
            launcher: ["/usr/bin/unshare", "--mount", "--propagation", "private", "/bin/sh", "-c", #"mount --bind "$0" /etc/hosts && exec "$@""#, hosts])
        defer { daemon.stop() }
        #expect(daemon.waitForOutput(containing: "bridge codex: live", timeout: .seconds(30)), "\(daemon.output)")
        let answer = try PythonClient.run(scriptNamed: "attack_localhost_request", environment: ["GATEWAY_PORT": "\(gateway)"])
        #expect(answer.status == 0, "\(answer)")
        #expect(bridge.requests.contains { $0.method == "POST" }, "the request never reached the bridge on 127.0.0.1")
        #expect(bridge.requests.contains { $0.method == "GET" }, "no probe reached the bridge on 127.0.0.1")
        #expect(squatter.accepted == 0, "the squatter on [::1] got \(squatter.accepted) connection(s)")
    }

    // MARK: 3. inbound tunnels

    @Test("inbound tunnel: a listener of another user is hijacked; its bridge gets no probe and no prompt")
    func aSquatterOnTheTunnelPortGetsNothing() throws {
        let ours = try FakeOpenAIBridge(models: ["gpt-ours"])
        let squatted = try TestSSHD.freePort()
        // The squatter: a local user (nobody) who bound the tunnel port while the peer was away.
        let squatter = try SquatterProcess(port: squatted, user: "nobody")
        defer { squatter.stopAndCount() }
        let dir = try TemporaryDirectory("test")
        let gateway = try TestSSHD.freePort()
        let ourPort = UInt16(URL(string: ours.url)!.port!)
        let config = try dir.write("bk.toml", """
            [supervisor]
            control = "127.0.0.1:\(try TestSSHD.freePort())"
            state_dir = "\(dir.path)/state"

            [gateway]
            listen = "127.0.0.1:\(gateway)"

            [[tunnels]]
            name = "home"
            mode = "inbound"
            user = "root"
              [[tunnels.forwards]]
              listen = "127.0.0.1:\(ourPort)"

            [[tunnels]]
            name = "office"
            mode = "inbound"
            user = "root"
              [[tunnels.forwards]]
              listen = "127.0.0.1:\(squatted)"

            [[bridges]]
            name = "home-codex"
            url = "http://127.0.0.1:\(ourPort)"
            api = "openai"
            tunnel = "home"
              [bridges.probe]
              interval = "300ms"
              timeout = "250ms"

            [[bridges]]
            name = "office-codex"
            url = "http://127.0.0.1:\(squatted)"
            api = "openai"
            tunnel = "office"
              [bridges.probe]
              interval = "300ms"
              timeout = "250ms"

            [[models]]
            id = "gpt-ours"
            routes = ["home-codex"]

            [[models]]
            id = "gpt-office"
            routes = ["office-codex"]
            """)
        let daemon = try Bridgekeeper.start(["run", "--config", config])
        defer { daemon.stop() }
        #expect(daemon.waitForOutput(containing: "bridge home-codex: live", timeout: .seconds(30)), "\(daemon.output)")
        #expect(daemon.waitForOutput(containing: "inbound tunnel hijacked", timeout: .seconds(30)), "\(daemon.output)")
        let status = try Bridgekeeper.run(["status", "--json", "--config", config])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(status.output.utf8)) as? [String: Any])
        let tunnels = Dictionary(uniqueKeysWithValues: (json["tunnels"] as? [[String: Any]] ?? []).map { ($0["name"] as? String ?? "", $0) })
        let bridges = Dictionary(uniqueKeysWithValues: (json["bridges"] as? [[String: Any]] ?? []).map { ($0["name"] as? String ?? "", $0) })
        #expect(tunnels["home"]?["state"] as? String == "up")
        #expect(tunnels["office"]?["state"] as? String == "hijacked")
        #expect((tunnels["office"]?["reason"] as? String)?.contains("uid 65534") == true, "\(tunnels["office"] ?? [:])")
        #expect(bridges["office-codex"]?["state"] as? String == "tunnel_down")
        let answers = try PythonClient.run(scriptNamed: "attack_hijacked_tunnel", environment: ["GATEWAY_PORT": "\(gateway)"])
        let out = try answers.jsonObject()
        #expect(out["ours"] as? String == FakeOpenAIBridge.replyText(echoing: "hi"))
        #expect(out["office"] as? [AnyHashable] == [503, "tunnel_down"])
        daemon.process.terminate()
        daemon.process.waitUntilExit()
        let connections = squatter.stopAndCount()
        #expect(connections == 0, "the squatter was sent \(connections) connection(s)")
    }

    // MARK: 4. proxy_command

    @Test("proxy_command: a server whose user or host is shell syntax is refused by check and run, and nothing runs", arguments: [
        "$(touch${IFS}MARK1)@$(touch${IFS}MARK2).", "tunnel@$(touch${IFS}MARK2).", "`touch MARK1`@gateway.example.net",
    ])
    func shellSyntaxInTheServerIsRefused(server template: String) throws {
        let dir = try TemporaryDirectory("test")
        let server = template.replacingOccurrences(of: "MARK1", with: dir.path + "/one").replacingOccurrences(of: "MARK2", with: dir.path + "/two")
        // A real key, so that nothing before the ProxyCommand stops the tunnel.
        try Self.generateKey(at: dir.path + "/key")
        _ = try dir.write("known_hosts", "")
        let config = try dir.write("bk.toml", """
            [supervisor]
            control = "127.0.0.1:\(try TestSSHD.freePort())"
            state_dir = "\(dir.path)/state"

            [gateway]
            listen = "127.0.0.1:\(try TestSSHD.freePort())"

            [[tunnels]]
            name = "t"
            mode = "reverse"
            server = "\(server)"
            identity_file = "\(dir.path)/key"
            known_hosts = "\(dir.path)/known_hosts"
            proxy_command = "nc %h %p %r"
              [[tunnels.forwards]]
              listen = "127.0.0.1:3353"
              target = "127.0.0.1:3253"
            """)
        let check = try Bridgekeeper.run(["check", "--config", config])
        #expect(check.status == 2, "\(check.output)\(check.errors)")
        #expect(check.errors.contains("tunnels[0].server"), "\(check.errors)")
        let run = try Bridgekeeper.start(["run", "--config", config])
        let exited = run.waitForExit(timeout: .seconds(10))
        if !exited {
            kill(run.process.processIdentifier, SIGKILL)
            run.process.waitUntilExit()
        }
        #expect(exited && run.process.terminationStatus == 2, "\(run.output)")
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/one") && !FileManager.default.fileExists(atPath: dir.path + "/two"))
    }

    // MARK: 5. credentials in URLs

    @Test("credentials in URLs: check, audit, run, a reload and debug logs show them redacted, never the secret")
    func credentialsInURLsAreNeverEchoed() throws {
        let secrets = ["PASSWORD-1", "QUERY-SECRET-2", "TOPIC-SECRET-3", "AUTH-SECRET-4"]
        let dir = try TemporaryDirectory("test")
        let control = try TestSSHD.freePort()
        let good = """
            [supervisor]
            control = "127.0.0.1:\(control)"
            state_dir = "\(dir.path)/state"

            [gateway]
            listen = "127.0.0.1:\(try TestSSHD.freePort())"

            [[notify.webhooks]]
            name = "oncall"
            url = "https://ntfy.invalid/TOPIC-SECRET-3?auth=AUTH-SECRET-4"
            format = "ntfy"

            [[bridges]]
            name = "fine"
            url = "http://127.0.0.1:9"
            api = "openai"

            """
        let bad = good + """
            [[bridges]]
            name = "userinfo"
            url = "http://ops:PASSWORD-1@127.0.0.1:3253"
            api = "openai"

            [[bridges]]
            name = "query"
            url = "http://127.0.0.1:3254/?token=QUERY-SECRET-2"
            api = "openai"
            """
        let badConfig = try dir.write("bad.toml", bad)
        var printed: [String] = []
        for arguments in [["check"], ["check", "--format", "json"], ["audit"], ["audit", "--format", "json"], ["run"]] {
            let result = try Bridgekeeper.run(arguments + ["--config", badConfig])
            // audit looks at the live host (nothing listens on these ports); check and run refuse.
            #expect(arguments[0] == "audit" || result.status != 0, "\(arguments) accepted the bad config")
            printed.append(result.output + result.errors)
        }
        #expect(printed[0].contains("http://***@127.0.0.1:3253"), "\(printed[0])")
        #expect(printed[0].contains("token=***"), "\(printed[0])")

        // A daemon at debug level that then reloads the bad config (and keeps the good one).
        let config = try dir.write("bk.toml", good)
        let daemon = try Bridgekeeper.start(["run", "--log-level", "debug", "--config", config])
        defer { daemon.stop() }
        #expect(daemon.waitForOutput(containing: "ready:", timeout: .seconds(30)), "\(daemon.output)")
        _ = try dir.write("bk.toml", bad)
        kill(daemon.process.processIdentifier, SIGHUP)
        #expect(daemon.waitForOutput(containing: "http://***@127.0.0.1:3253", timeout: .seconds(30)), "\(daemon.output)")
        let status = try Bridgekeeper.run(["status", "--json", "--config", config])
        printed.append(status.output + status.errors)
        daemon.process.terminate()
        daemon.process.waitUntilExit()
        printed.append(daemon.output)
        for (index, text) in printed.enumerated() {
            for secret in secrets {
                #expect(!text.contains(secret), "output \(index) shows \(secret): \(text)")
            }
        }
    }

    // MARK: 6. a failed service

    @Test("a service that fails takes the daemon down with its reason, STOPPING=1 and ERRNO=; no loop spins, no ping after it")
    func aFailedServiceStopsTheDaemon() throws {
        let taken = try StubHTTPServer(reply: .respond(status: 200, body: ""))
        let dir = try TemporaryDirectory("test")
        let notify = try NotifySocket(directory: dir.path)
        defer { notify.stop() }
        let config = try dir.write("bk.toml", """
            [supervisor]
            control = "127.0.0.1:\(taken.port)"
            state_dir = "\(dir.path)/state"

            [gateway]
            listen = "127.0.0.1:\(try TestSSHD.freePort())"
            """)
        let daemon = try Bridgekeeper.start(
            ["run", "--config", config], extraEnvironment: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "400000"])
        let exited = daemon.waitForExit(timeout: .seconds(20))
        if !exited {
            kill(daemon.process.processIdentifier, SIGKILL)
            daemon.process.waitUntilExit()
        }
        #expect(exited, "the daemon kept running with its control endpoint gone: \(daemon.output)")
        #expect(daemon.process.terminationStatus == 1)
        #expect(daemon.output.contains("the control endpoint failed"), "\(daemon.output)")
        let messages = notify.messages
        let stopping = messages.firstIndex { $0.has("STOPPING=1") }
        #expect(stopping != nil, "\(messages.map(\.text))")
        #expect(messages.contains { $0.has("STOPPING=1") && $0.has("ERRNO=\(EADDRINUSE)") }, "\(messages.map(\.text))")
        if let stopping {
            #expect(!messages[stopping...].contains { $0.has("WATCHDOG=1") }, "watchdog pinged after the failure")
        }
    }

    // MARK: 7. browsers on the host

    @Test("browser: a foreign Host (DNS rebinding) is 421 on gateway and control, a form or text body is 415, CORS only for listed origins")
    func aBrowserIsNotAClient() throws {
        let bridge = try FakeOpenAIBridge(models: ["gpt-test"])
        let daemon = try GatewayDaemonTests.start(bridges: [("codex", bridge.url)], routes: ["codex"])
        defer { daemon.stop() }
        var port = daemon.gateway
        func request(_ head: String, body: String = "", to target: UInt16? = nil) throws -> (status: Int, head: String) {
            let fd = try TestClient.connect(port: target ?? port, timeout: .seconds(10))
            defer { close(fd) }
            let length = body.isEmpty ? "" : "Content-Length: \(body.utf8.count)\r\n"
            try TestClient.sendAll(fd, Array((head + length + "Connection: close\r\n\r\n" + body).utf8))
            let text = String(decoding: try TestClient.readToEOF(fd), as: UTF8.self)
            return (Int(text.split(separator: " ").dropFirst().first ?? "") ?? 0, text.components(separatedBy: "\r\n\r\n").first ?? "")
        }
        // DNS rebinding: the page's own name reaches 127.0.0.1.
        #expect(try request("GET /v1/models HTTP/1.1\r\nHost: evil.example:\(port)\r\n").status == 421)
        #expect(try request("GET /api/dashboard/requests HTTP/1.1\r\nHost: evil.example\r\n").status == 421)
        #expect(try request("GET /v1/models HTTP/1.1\r\nHost: gw.example.net\r\n").status == 421)
        for host in ["127.0.0.1:\(port)", "localhost:\(port)", "LOCALHOST"] {
            #expect(try request("GET /v1/models HTTP/1.1\r\nHost: \(host)\r\n").status == 200, "Host: \(host)")
        }
        // CSRF: a form post or a text/plain fetch needs no preflight; neither reaches a bridge.
        let prompt = #"{"model":"gpt-test","messages":[{"role":"user","content":"spend it"}]}"#
        for type in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"] {
            let answer = try request(
                "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nOrigin: https://evil.example\r\nContent-Type: \(type)\r\n",
                body: prompt)
            #expect(answer.status == 415, "Content-Type: \(type)")
        }
        let noType = try request("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n", body: prompt)
        #expect(noType.status == 415)
        #expect(!bridge.requests.contains { $0.method == "POST" }, "a browser's request reached the bridge")
        // A JSON fetch needs a preflight, which a foreign origin fails: no CORS headers, ever.
        let preflight = "OPTIONS /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nAccess-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: content-type\r\n"
        let evil = try request(preflight + "Origin: https://evil.example\r\n")
        #expect(!evil.head.lowercased().contains("access-control-allow"), "\(evil.head)")
        let read = try request("GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: https://evil.example\r\n")
        #expect(read.status == 200 && !read.head.lowercased().contains("access-control-allow"), "\(read.head)")
        // The control endpoint: the status it tells is not for a rebinding page either.
        let config = try String(contentsOfFile: daemon.config, encoding: .utf8)
        let control = try #require(config.firstMatch(of: /control = "127\.0\.0\.1:(\d+)"/).flatMap { UInt16($0.1) })
        #expect(try request("GET /v1/status HTTP/1.1\r\nHost: evil.example\r\n", to: control).status == 421)
        #expect(try request("GET /v1/status HTTP/1.1\r\nHost: 127.0.0.1:\(control)\r\n", to: control).status == 200)
        let metrics = try GatewayDaemonTests.get(daemon, "/metrics", token: GatewayDaemonTests.dashboardToken)
        #expect(metrics.text.contains(#"bridgekeeper_gateway_rejected_total{reason="foreign_host"} 3"#), "\(metrics.text)")
        #expect(metrics.text.contains(#"bridgekeeper_gateway_rejected_total{reason="not_json"} 4"#), "\(metrics.text)")

        // What a published gateway and a known web app need: their names and origins, listed.
        let published = try GatewayDaemonTests.start(
            bridges: [("codex", bridge.url)], routes: ["codex"],
            gatewayOptions: #"public_hosts = ["gw.example.net"]\#ncors_origins = ["https://app.example.net"]"#)
        defer { published.stop() }
        port = published.gateway
        for host in ["gw.example.net", "GW.example.net.", "127.0.0.1"] {
            #expect(try request("GET /v1/models HTTP/1.1\r\nHost: \(host)\r\n").status == 200, "Host: \(host)")
        }
        #expect(try request("GET /v1/models HTTP/1.1\r\nHost: other.example.net\r\n").status == 421)
        let listed = try request(preflight + "Origin: https://app.example.net\r\n")
        #expect(listed.status == 204)
        #expect(listed.head.lowercased().contains("access-control-allow-origin: https://app.example.net"), "\(listed.head)")
        let answered = try request("GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: https://app.example.net\r\n")
        #expect(answered.head.lowercased().contains("access-control-allow-origin: https://app.example.net"), "\(answered.head)")
        #expect(!(try request(preflight + "Origin: https://evil.example\r\n")).head.lowercased().contains("access-control-allow"))
    }

    // MARK: 8. slow and greedy clients

    @Test("slow clients: a second request's head dribbled on a kept-alive connection is cut off; beyond max_connections 503; huge heads refused")
    func slowAndGreedyClients() throws {
        let bridge = try FakeOpenAIBridge(models: ["gpt-test"])
        let daemon = try GatewayDaemonTests.start(bridges: [("codex", bridge.url)], routes: ["codex"], gatewayOptions: "request_timeout = \"1s\"")
        defer { daemon.stop() }
        var port = daemon.gateway

        // One prompt request, then the next head a byte every 200 ms: the idle timeout never fires.
        let fd = try TestClient.connect(port: port, timeout: .seconds(10))
        defer { close(fd) }
        try TestClient.sendAll(fd, Array("GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8))
        var first = ""
        while !first.contains("\"object\":\"list\"") {
            let chunk = try TestClient.receive(fd)
            #expect(!chunk.isEmpty, "closed before the first answer")
            if chunk.isEmpty { break }
            first += String(decoding: chunk, as: UTF8.self)
        }
        #expect(first.hasPrefix("HTTP/1.1 200"))
        let started = ContinuousClock.now
        var closed = false
        for byte in Array("GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n".utf8) {
            if Self.peerClosed(fd) || send(fd, [byte], 1, Int32(MSG_NOSIGNAL)) < 0 {
                closed = true
                break
            }
            Thread.sleep(forTimeInterval: 0.2)
        }
        #expect(closed, "a dribbled second head held the connection open")
        #expect(ContinuousClock.now - started >= .milliseconds(900), "closed before request_timeout was up")

        let metrics = try GatewayDaemonTests.get(daemon, "/metrics", token: GatewayDaemonTests.dashboardToken)
        #expect(metrics.text.contains(#"bridgekeeper_gateway_rejected_total{reason="slow_request"} 1"#), "\(metrics.text)")

        // Four connections held open: the fifth is told 503 at once and closed.
        let limited = try GatewayDaemonTests.start(bridges: [("codex", bridge.url)], routes: ["codex"], gatewayOptions: "max_connections = 4")
        defer { limited.stop() }
        port = limited.gateway
        let held = try (0..<4).map { _ in try TestClient.connect(port: port, timeout: .seconds(10)) }
        defer { held.forEach { close($0) } }
        // The gateway counts a connection when it accepts it; a request on each shows they are in.
        for connection in held {
            try TestClient.sendAll(connection, Array("GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8))
            #expect(String(decoding: try TestClient.receive(connection), as: UTF8.self).hasPrefix("HTTP/1.1 200"))
        }
        let extra = try TestClient.connect(port: port, timeout: .seconds(10))
        defer { close(extra) }
        let refused = String(decoding: try TestClient.readToEOF(extra), as: UTF8.self)
        #expect(refused.hasPrefix("HTTP/1.1 503"), "\(refused)")
        #expect(refused.lowercased().contains("connection: close"), "\(refused)")
        #expect(refused.contains("too_many_connections"), "\(refused)")
        held.forEach { close($0) }
        // Once the gateway has seen them close, it serves again.
        try Wait.until("the gateway to serve again", timeout: .seconds(10)) { (try? GatewayDaemonTests.get(limited, "/v1/models").status) == 200 }

        // A head larger than the gateway takes (32 KiB) is not served.
        let big = try TestClient.connect(port: port, timeout: .seconds(10))
        defer { close(big) }
        let padding = String(repeating: "a", count: 40 << 10)
        try? TestClient.sendAll(big, Array("GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: \(padding)\r\n\r\n".utf8))
        let answer = String(decoding: (try? TestClient.readToEOF(big)) ?? [], as: UTF8.self)
        #expect(!answer.hasPrefix("HTTP/1.1 200"), "\(answer.prefix(200))")

        let refusals = try GatewayDaemonTests.get(limited, "/metrics", token: GatewayDaemonTests.dashboardToken)
        // One, and one more for each try of the wait above that came before the gateway saw the closes.
        let count = refusals.text.firstMatch(of: /reason="too_many_connections"\} (\d+)/).flatMap { Int($0.1) } ?? 0
        #expect(count >= 1, "\(refusals.text)")
    }

    /// Whether the peer has closed `fd` (readable, and a peek reads nothing).
    static func peerClosed(_ fd: Int32) -> Bool {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&descriptor, 1, 0) > 0 else { return false }
        var byte: UInt8 = 0
        return recv(fd, &byte, 1, Int32(MSG_PEEK) | Int32(MSG_DONTWAIT)) <= 0
    }

    // MARK: 9. managed bridges

    @Test("managed bridges: a double-forked setsid grandchild on 0.0.0.0 and a UDP socket on 0.0.0.0 are found and killed")
    func managedBridgesCannotHide() throws {
        let dir = try TemporaryDirectory("test")
        let (http1, escaped, http2, udp) = (try TestSSHD.freePort(), try TestSSHD.freePort(), try TestSSHD.freePort(), try TestSSHD.freePort())
        // The leader serves on loopback as it should; a grandchild leaves its group and its tree.
        let escapee = try dir.write("escapee.sh", """
            ( setsid /usr/bin/python3 -c 'import socket, time; s = socket.socket(); s.bind(("0.0.0.0", \(escaped))); s.listen(); open("\(dir.path)/escapee.pid", "w").write(str(__import__("os").getpid())); time.sleep(600)' & )
            exec /usr/bin/python3 -m http.server --bind 127.0.0.1 \(http1)
            """)
        let datagrams = try dir.write("udp.sh", """
            /usr/bin/python3 -c 'import socket, time; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("0.0.0.0", \(udp))); time.sleep(600)' &
            exec /usr/bin/python3 -m http.server --bind 127.0.0.1 \(http2)
            """)
        let config = try dir.write("bk.toml", try daemonSections(state: dir.path + "/state") + """
            [[bridges]]
            name = "escapee"
            url = "http://127.0.0.1:\(http1)"
            api = "openai"
            command = ["/bin/sh", "\(escapee)"]

            [[bridges]]
            name = "datagrams"
            url = "http://127.0.0.1:\(http2)"
            api = "openai"
            command = ["/bin/sh", "\(datagrams)"]
            """)
        let daemon = try Bridgekeeper.start(["run", "--config", config])
        defer { daemon.stop() }
        #expect(daemon.waitForOutput(containing: "managed bridge escapee: exposed", timeout: .seconds(30)), "\(daemon.output)")
        #expect(daemon.waitForOutput(containing: "managed bridge datagrams: exposed", timeout: .seconds(30)), "\(daemon.output)")
        #expect(daemon.output.contains("0.0.0.0:\(escaped)"), "\(daemon.output)")
        #expect(daemon.output.contains("udp 0.0.0.0:\(udp)"), "\(daemon.output)")
        let pid = Int32((try? String(contentsOfFile: dir.path + "/escapee.pid", encoding: .utf8)) ?? "") ?? 0
        #expect(pid > 0)
        // SIGKILL went out before "exposed" was logged; the kernel ends the process soon after,
        // which on a busy machine can be after the test reads the log.
        try Wait.until("the escaped grandchild to die and its listener to close", timeout: .seconds(5)) {
            pid > 0 && !TestSSHD.isAlive(pid) && TestSSHD.listeners(port: escaped).isEmpty
        }
        if pid > 0 { kill(pid, SIGKILL) }
    }

    @Test("managed bridges and proxy commands get PATH, HOME, LANG and their env table, never the daemon's credentials or notify socket")
    func childrenGetAMinimalEnvironment() throws {
        let dir = try TemporaryDirectory("test")
        let key = dir.path + "/key"
        try Self.generateKey(at: key)
        let config = try dir.write("bk.toml", try daemonSections(state: dir.path + "/state") + """
            [[bridges]]
            name = "curious"
            url = "http://127.0.0.1:9"
            api = "openai"
            command = ["/bin/sh", "-c", "env > \(dir.path)/bridge.env; exec sleep 600"]
              [bridges.env]
              BRIDGE_SETTING = "for the bridge"

            [[tunnels]]
            name = "t"
            mode = "reverse"
            server = "tunnel@127.0.0.1:9"
            identity_file = "\(key)"
            known_hosts = "\(try dir.write("known_hosts", ""))"
            proxy_command = "env > \(dir.path)/proxy.env; exit 1"
              [[tunnels.forwards]]
              listen = "127.0.0.1:3353"
              target = "127.0.0.1:3253"
            """)
        let daemon = try Bridgekeeper.start(["run", "--config", config], extraEnvironment: [
            "CREDENTIALS_DIRECTORY": dir.path + "/credentials", "NOTIFY_SOCKET": dir.path + "/no-such-socket",
            "DAEMON_ONLY_SECRET": "sk-daemon-secret", "LANG": "C.UTF-8",
        ])
        defer { daemon.stop() }
        // The shell creates each file before env writes it: wait for what env writes last (its
        // output is sorted by nothing, so wait for both PATH and LANG).
        let written = { (file: String) in
            let text = (try? String(contentsOfFile: dir.path + "/" + file, encoding: .utf8)) ?? ""
            return text.contains("PATH=") && text.contains("LANG=") && text.hasSuffix("\n")
        }
        try Wait.until("env's output from the bridge and the proxy", timeout: .seconds(20)) { written("bridge.env") && written("proxy.env") }
        for file in ["bridge.env", "proxy.env"] {
            let environment = (try? String(contentsOfFile: dir.path + "/" + file, encoding: .utf8)) ?? ""
            #expect(environment.contains("PATH="), "\(file): \(environment)")
            #expect(environment.contains("LANG=C.UTF-8"), "\(file): \(environment)")
            for leaked in ["CREDENTIALS_DIRECTORY", "NOTIFY_SOCKET", "DAEMON_ONLY_SECRET", "STATE_DIRECTORY"] {
                #expect(!environment.contains(leaked), "\(file) has \(leaked): \(environment)")
            }
        }
        let bridgeEnvironment = (try? String(contentsOfFile: dir.path + "/bridge.env", encoding: .utf8)) ?? ""
        #expect(bridgeEnvironment.contains("BRIDGE_SETTING=for the bridge"), "\(bridgeEnvironment)")
    }

    // MARK: 10. a hostile bridge's words

    @Test("a bridge's and a proxy's words reach status, the database, the log and webhooks without escapes or control characters, and capped")
    func untrustedTextIsCleaned() throws {
        let escapes = "\u{1B}]0;pwned\u{07}\u{1B}[2J\u{1B}[31m"
        let hostile = escapes + "Sign in\r\nagain" + String(repeating: " x", count: 5000)
        let body = try String(decoding: JSONSerialization.data(withJSONObject: ["status": "auth_required", "message": hostile]), as: UTF8.self)
        let bridge = try StubHTTPServer(reply: .respond(status: 401, body: body))
        let receiver = try StubHTTPServer(reply: .respond(status: 200, body: "ok", contentType: "text/plain"))
        let dir = try TemporaryDirectory("test")
        let port = try TestSSHD.freePort()
        let key = dir.path + "/key"
        try Self.generateKey(at: key)
        let config = try dir.write("bk.toml", try NotificationDaemonTests.config(state: dir.path + "/state", bridge: bridge.url, webhook: receiver.url) + """

            [[bridges]]
            name = "managed"
            url = "http://127.0.0.1:\(port)"
            api = "openai"
            command = ["/bin/sh", "-c", "printf '\\\\033]0;pwned\\\\007\\\\033[2Jmanaged says hello\\\\n'; exec sleep 600"]

            [[tunnels]]
            name = "t"
            mode = "reverse"
            server = "tunnel@127.0.0.1:9"
            identity_file = "\(key)"
            known_hosts = "\(try dir.write("known_hosts", ""))"
            proxy_command = "printf '\\\\033[2J\\\\033]0;pwned\\\\007proxy says no\\\\n' >&2; exit 1"
              [[tunnels.forwards]]
              listen = "127.0.0.1:3353"
              target = "127.0.0.1:3253"
            """)
        let daemon = try Bridgekeeper.start(["run", "--config", config])
        defer { daemon.stop() }
        try Wait.until("the notice", timeout: .seconds(15)) { !receiver.requests.isEmpty }
        #expect(daemon.waitForOutput(containing: "managed says hello", timeout: .seconds(30)), "\(daemon.output)")
        #expect(daemon.waitForOutput(containing: "proxy says no", timeout: .seconds(30)), "\(daemon.output)")
        let text = try Bridgekeeper.run(["status", "--config", config]).output
        // The tunnel retries at once: its status shows the proxy's words between attempts (in
        // backoff), not while it connects again.
        var json = ""
        try Wait.until("the proxy's words in status", timeout: .seconds(15)) {
            json = (try? Bridgekeeper.run(["status", "--json", "--config", config]).output) ?? ""
            return json.contains("proxy says no")
        }
        daemon.process.terminate()
        daemon.process.waitUntilExit()
        let stored = try Store(directory: dir.path + "/state").probes(bridge: "m365", limit: 1).first?.message ?? ""
        #expect(stored.hasPrefix("Sign in again x x"), "\(stored.prefix(80))")
        #expect(stored.count <= 300)
        #expect(text.contains("Sign in again"), "\(text)")
        for (name, output) in [("status", text), ("status --json", json), ("database", stored), ("log", daemon.output), ("webhook", receiver.requests.map(\.body).joined())] {
            #expect(!output.contains("\u{1B}") && !output.contains("\u{07}") && !output.contains("pwned"), "\(name) carries an escape sequence")
            #expect(!output.contains("\\u001b") && !output.contains("\\u0007"), "\(name) carries an escaped escape sequence")
        }
    }

    // MARK: 11. crashes from input

    @Test("hostile config values are errors naming the key, never a crash", arguments: [
        ("a = " + String(repeating: "[", count: 100_000), "deeper than 64 levels"),
        ("[" + Array(repeating: "k", count: 100_000).joined(separator: ".") + "]", "deeper than 64 levels"),
        ("[gateway]\nlisten = \"127.0.0.1:4000\"\nrequest_timeout = \"3000000h\"", "gateway.request_timeout"),
        ("[[tunnels]]\nname = \"t\"\nmode = \"inbound\"\nuser = \"root\"\nkeepalive = \"999999999h\"\n[[tunnels.forwards]]\nlisten = \"127.0.0.1:3353\"", "tunnels[0].keepalive"),
        ("[gateway]\nlisten = \"127.0.0.1:4000\"\nping_interval = \"1h1h1h1h1h\"", "gateway.ping_interval"),
        ("[gateway]\nlisten = \"127.0.0.1:4000\"\npublic_hosts = [\"gw.example.net:8443\"]", "gateway.public_hosts"),
        ("[gateway]\nlisten = \"127.0.0.1:4000\"\ncors_origins = [\"https://app.example.net/path\"]", "gateway.cors_origins"),
    ])
    func hostileConfigValuesAreErrors(text: String, named: String) throws {
        let dir = try TemporaryDirectory("test")
        let config = try dir.write("bk.toml", "[supervisor]\ncontrol = \"127.0.0.1:4099\"\n" + text)
        for command in ["check", "run"] {
            let result = try Bridgekeeper.run([command, "--config", config])
            #expect(result.status == 2, "\(command): \(result.status) \(result.errors.prefix(300))")
            #expect(result.errors.contains(named), "\(command): \(result.errors.prefix(300))")
        }
    }

    @Test("status against a control endpoint that answers garbage says so and exits 2", arguments: [
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n7fffffffffffffff\r\nabc\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n{\"tunnels",
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n[]",
        "garbage\r\n\r\n",
        "HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n",
    ])
    func aMalformedStatusAnswerIsAnError(answer: String) throws {
        let impostor = try StubHTTPServer(reply: .raw(answer))
        let dir = try TemporaryDirectory("test")
        let config = try dir.write("bk.toml", "[supervisor]\ncontrol = \"127.0.0.1:\(impostor.port)\"\n")
        let result = try Bridgekeeper.run(["status", "--config", config])
        #expect(result.status == 2, "\(result.status): \(result.output)\(result.errors)")
        #expect(result.errors.contains("127.0.0.1:\(impostor.port)"), "\(result.errors)")
    }

    @Test("a reload with a config that would have crashed the parser is refused, and the daemon runs on")
    func aHostileReloadKeepsTheDaemon() throws {
        let dir = try TemporaryDirectory("test")
        let control = try TestSSHD.freePort()
        let text = "[supervisor]\ncontrol = \"127.0.0.1:\(control)\"\nstate_dir = \"\(dir.path)/state\"\n"
        let config = try dir.write("bk.toml", text)
        let copy = try dir.write("copy.toml", text)
        let daemon = try Bridgekeeper.start(["run", "--config", config])
        defer { daemon.stop() }
        #expect(daemon.waitForOutput(containing: "ready:", timeout: .seconds(30)), "\(daemon.output)")
        _ = try dir.write("bk.toml", "a = " + String(repeating: "[", count: 100_000))
        kill(daemon.process.processIdentifier, SIGHUP)
        #expect(daemon.waitForOutput(containing: "deeper than 64 levels", timeout: .seconds(30)), "\(daemon.output)")
        #expect(daemon.process.isRunning)
        #expect(try Bridgekeeper.run(["status", "--config", copy]).status != 2, "the daemon stopped answering")
    }

    // MARK: 13. files

    @Test("files: with umask 022 the state directory is 0700 and the database, WAL and SHM 0600; a key others can read is refused")
    func stateAndKeysArePrivate() throws {
        let dir = try TemporaryDirectory("test")
        let state = dir.path + "/state"
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        let key = dir.path + "/key"
        try Self.generateKey(at: key)
        chmod(key, 0o644)
        let config = try dir.write("bk.toml", """
            [supervisor]
            control = "127.0.0.1:\(try TestSSHD.freePort())"
            state_dir = "\(state)"

            [gateway]
            listen = "127.0.0.1:\(try TestSSHD.freePort())"

            [[tunnels]]
            name = "home"
            mode = "reverse"
            server = "tunnel@127.0.0.1:9"
            identity_file = "\(key)"
            known_hosts = "\(try dir.write("known_hosts", ""))"
              [[tunnels.forwards]]
              listen = "127.0.0.1:3353"
              target = "127.0.0.1:3253"
            """)
        let daemon = try Bridgekeeper.start(["run", "--config", config], launcher: ["/bin/sh", "-c", #"umask 022 && exec "$@""#, "sh"])
        defer { daemon.stop() }
        #expect(daemon.waitForOutput(containing: "ready:", timeout: .seconds(30)), "\(daemon.output)")
        #expect(daemon.waitForOutput(containing: "chmod 600", timeout: .seconds(30)), "\(daemon.output)")
        let status = try Bridgekeeper.run(["status", "--json", "--config", config])
        #expect(status.output.contains("auth_failed"), "\(status.output)")
        func mode(_ path: String) -> Int? {
            (try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? nil
        }
        #expect(mode(state) == 0o700)
        for file in ["bridgekeeper.sqlite", "bridgekeeper.sqlite-wal", "bridgekeeper.sqlite-shm"] {
            #expect(mode(state + "/" + file) == 0o600, "\(file): \(String(mode(state + "/" + file) ?? 0, radix: 8))")
        }
    }

    @Test("the control endpoint, which any local user can reach, caps its connections too")
    func theControlEndpointIsCapped() throws {
        let dir = try TemporaryDirectory("test")
        let control = try TestSSHD.freePort()
        let config = try dir.write("bk.toml", "[supervisor]\ncontrol = \"127.0.0.1:\(control)\"\nstate_dir = \"\(dir.path)/state\"\n")
        let daemon = try Bridgekeeper.start(["run", "--config", config])
        defer { daemon.stop() }
        #expect(daemon.waitForOutput(containing: "ready:", timeout: .seconds(30)), "\(daemon.output)")
        let held = try (0..<64).map { _ in try TestClient.connect(port: control, timeout: .seconds(10)) }
        defer { held.forEach { close($0) } }
        // Each held connection has been accepted once a request on it is answered.
        for connection in held.suffix(1) {
            try TestClient.sendAll(connection, Array("GET /v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8))
            #expect(String(decoding: try TestClient.receive(connection), as: UTF8.self).hasPrefix("HTTP/1.1 200"))
        }
        let extra = try TestClient.connect(port: control, timeout: .seconds(10))
        defer { close(extra) }
        let refused = String(decoding: try TestClient.readToEOF(extra), as: UTF8.self)
        #expect(refused.hasPrefix("HTTP/1.1 503"), "\(refused)")
        #expect(daemon.process.isRunning)
    }

    // MARK: 12. Responses history

    @Test("previous_response_id continues only the same key's responses: another key's id is not found")
    func aConversationBelongsToItsKey() throws {
        let bridge = try FakeOpenAIBridge(models: ["gpt-test"])
        let daemon = try GatewayDaemonTests.start(bridges: [("codex", bridge.url)], routes: ["codex"], clientKeys: Self.keys)
        defer { daemon.stop() }
        let result = try PythonClient.run(
            scriptNamed: "attack_foreign_previous_response",
            environment: ["GATEWAY_PORT": "\(daemon.gateway)", "ALICE_KEY": Self.alice, "BOB_KEY": Self.bob])
        let out = try result.jsonObject()
        #expect(out["bob"] as? [AnyHashable] == [400, "previous_response_not_found"])
        #expect(out["alice"] as? String == "completed")
        let posts = bridge.requests.filter { $0.method == "POST" }.map(\.body)
        #expect(posts.count == 2, "bob's request reached the bridge")
        #expect(posts.last?.contains("hunter2") == true, "alice's continuation lost her conversation")
    }
}

/// A listener on `[::1]:port` counting the connections it accepts: a squatter on the IPv6 side of a
/// bridge's port.
final class LoopbackV6Squatter: @unchecked Sendable {
    // `lock` guards `count`.
    let port: UInt16
    private let fd: Int32
    private let lock = NSLock()
    private var count = 0

    init(port: UInt16) throws {
        self.port = port
        fd = socket(AF_INET6, Int32(SOCK_STREAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in6()
        address.sin6_family = sa_family_t(AF_INET6)
        address.sin6_port = port.bigEndian
        address.sin6_addr = in6addr_loopback
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) == 0 }
        }
        guard fd >= 0, bound, listen(fd, 16) == 0 else { throw TestClient.Failure("cannot listen on [::1]:\(port): \(String(cString: strerror(errno)))") }
        let thread = Thread { [self] in
            while true {
                let client = accept(fd, nil, nil)
                if client < 0 { return }
                lock.withLock { count += 1 }
                close(client)
            }
        }
        thread.start()
    }

    var accepted: Int { lock.withLock { count } }

    func stop() {
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
    }
}

/// A process of another user listening on a loopback port, counting what it accepts (it prints one
/// line per connection): a local user squatting a tunnel's port.
final class SquatterProcess {
    private let process = Process()
    private let output = Pipe()

    init(port: UInt16, user: String) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        let script = try PythonClient.script(named: "port_squatter")
        process.arguments = ["--reuid=\(user)", "--regid=nogroup", "--clear-groups", "/usr/bin/python3", "-c", script, "\(port)"]
        process.standardOutput = output
        try process.run()
        let first = output.fileHandleForReading.availableData
        guard String(decoding: first, as: UTF8.self).contains("listening") else {
            throw TestClient.Failure("the squatter did not start listening on \(port)")
        }
    }

    /// Stops it; how many connections it accepted.
    @discardableResult
    func stopAndCount() -> Int {
        if process.isRunning {
            // SIGKILL: a child of the test runner inherits its blocked signals, SIGTERM among them.
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        let collected = output.fileHandleForReading.readDataToEndOfFile()
        return String(decoding: collected, as: UTF8.self).components(separatedBy: "connection").count - 1
    }
}
