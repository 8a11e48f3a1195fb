import Foundation
import Testing
import TestSupport
import TunnelManager

/// What travels through tunnels: many connections at once, large transfers, half-close, local
/// forwards, ProxyCommand transports, host key aliases and unreachable targets.
@Suite("Tunnel data path through a real sshd", .serialized)
struct DataPathTests {
    /// `count` deterministic bytes, different for every `seed`.
    static func payload(seed: UInt64, count: Int) -> [UInt8] {
        var random = SplitMix64(seed: seed)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        while bytes.count < count {
            withUnsafeBytes(of: random.next()) { bytes.append(contentsOf: $0.prefix(count - bytes.count)) }
        }
        return bytes
    }

    /// SHA-256 (hex) of what `feed` writes, computed by /usr/bin/sha256sum.
    static func sha256(_ feed: ((Data) throws -> Void) throws -> Void) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        do {
            try feed { try input.fileHandleForWriting.write(contentsOf: $0) }
        } catch {
            try? input.fileHandleForWriting.close()
            process.waitUntilExit()
            throw error
        }
        try input.fileHandleForWriting.close()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0, let hash = text.split(separator: " ").first, hash.count == 64 else {
            throw TestClient.Failure("sha256sum failed (\(process.terminationStatus)): \(text)")
        }
        return String(hash)
    }

    /// `GET path` whose body is handed to `sink` piece by piece as it arrives, never held whole.
    /// Returns the status and the number of body bytes (which must match Content-Length).
    static func streamingGet(
        port: UInt16, path: String, timeout: Duration, sink: (Data) throws -> Void
    ) throws -> (status: Int, length: Int) {
        let fd = try TestClient.connect(port: port, timeout: .seconds(10))
        defer { close(fd) }
        try TestClient.sendAll(fd, Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8))
        let deadline = ContinuousClock.now + timeout
        var head = Data()
        var status = 0
        var expected: Int?
        var received = 0
        var buffer = [UInt8](repeating: 0, count: 256 * 1024)
        while true {
            guard ContinuousClock.now < deadline else {
                throw TestClient.Failure("GET \(path) timed out after \(received) body bytes")
            }
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0 {
                if errno == EINTR { continue }
                throw TestClient.Failure("recv after \(received) body bytes: \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            var chunk = Data(buffer[0..<count])
            if expected == nil {
                head.append(chunk)
                guard let end = head.range(of: Data("\r\n\r\n".utf8)) else { continue }
                let text = String(decoding: head[..<end.lowerBound], as: UTF8.self)
                let lines = text.components(separatedBy: "\r\n")
                status = lines.first.flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") } ?? 0
                expected = lines.dropFirst().compactMap { line -> Int? in
                    let parts = line.split(separator: ":", maxSplits: 1)
                    guard parts.count == 2, parts[0].lowercased() == "content-length" else { return nil }
                    return Int(parts[1].trimmingCharacters(in: .whitespaces))
                }.first ?? -1
                chunk = head[end.upperBound...]
            }
            if !chunk.isEmpty {
                received += chunk.count
                try sink(chunk)
            }
            if let expected, expected >= 0, received >= expected { break }
        }
        guard let expected, expected == received else {
            throw TestClient.Failure("GET \(path): body has \(received) bytes, Content-Length \(expected.map(String.init) ?? "none")")
        }
        return (status, received)
    }

    // MARK: tests

    @Test("200 concurrent connections through one tunnel each get their own 16 KiB back, then every channel closes")
    func concurrentConnections() throws {
        let target = try TargetServer(.echo)
        let running = try TunnelFixture.upReverseTunnel(to: target.port)
        defer { running.manager.shutdown() }
        let count = 200
        let size = 16 * 1024

        var fds: [Int32] = []
        defer { fds.forEach { close($0) } }
        for _ in 0..<count { fds.append(try TestClient.connect(port: running.port, timeout: .seconds(10))) }
        // Every connection gets its channel (the session must take a burst of channel opens).
        let allOpen = try? TunnelFixture.waitFor(running.manager, "\(count) open channels", timeout: .seconds(5)) {
            $0.openChannels == count
        }
        #expect(
            allOpen != nil,
            "only \(running.manager.statuses[0].openChannels) of \(count) connections got a channel; sshd says: \(running.sshd.log.components(separatedBy: "open failed").count - 1) channel opens failed")

        let payloads = (0..<count).map { Self.payload(seed: UInt64($0) + 1, count: size) }
        var sent = [Int](repeating: 0, count: count)
        var received = [[UInt8]](repeating: [], count: count)
        var eof = [Bool](repeating: false, count: count)
        var failures: [String] = []
        for fd in fds { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        var buffer = [UInt8](repeating: 0, count: 65536)
        let deadline = ContinuousClock.now + .seconds(30)
        while eof.contains(false) && ContinuousClock.now < deadline {
            var pollfds = fds.indices.map { index in
                var events: Int16 = 0
                if sent[index] < size { events |= Int16(POLLOUT) }
                if !eof[index] { events |= Int16(POLLIN) }
                return pollfd(fd: eof[index] && sent[index] == size ? -1 : fds[index], events: events, revents: 0)
            }
            guard poll(&pollfds, nfds_t(pollfds.count), 200) >= 0 || errno == EINTR else {
                throw TestClient.Failure("poll: \(String(cString: strerror(errno)))")
            }
            for index in fds.indices where pollfds[index].revents != 0 {
                let fd = fds[index]
                if sent[index] < size && pollfds[index].revents & Int16(POLLOUT) != 0 {
                    let written = payloads[index].withUnsafeBytes {
                        send(fd, $0.baseAddress! + sent[index], size - sent[index], Int32(MSG_NOSIGNAL))
                    }
                    if written > 0 {
                        sent[index] += written
                        if sent[index] == size { TestClient.shutdownWrite(fd) }
                    } else if written < 0 && errno != EAGAIN && errno != EINTR {
                        failures.append("connection \(index): send: \(String(cString: strerror(errno)))")
                        sent[index] = size
                        eof[index] = true
                    }
                }
                if !eof[index] && pollfds[index].revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 {
                    let got = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                    if got > 0 {
                        received[index] += buffer[0..<got]
                    } else if got == 0 {
                        eof[index] = true
                        if sent[index] < size { failures.append("connection \(index): EOF after sending \(sent[index])") }
                    } else if errno != EAGAIN && errno != EINTR {
                        failures.append("connection \(index): recv: \(String(cString: strerror(errno)))")
                        eof[index] = true
                    }
                }
            }
        }
        #expect(failures.isEmpty, "\(failures.count) failures, first: \(failures.prefix(5))")
        #expect(!eof.contains(false), "\(eof.filter { !$0 }.count) connections never reached EOF")
        let wrong = fds.indices.filter { received[$0] != payloads[$0] }
        #expect(wrong.count == 0, "\(wrong.count) echoes differ, e.g. #\(wrong.first ?? -1): \(wrong.first.map { received[$0].count } ?? 0) bytes")
        #expect(target.acceptedConnections == count)

        try TunnelFixture.waitFor(running.manager, "no open channels", timeout: .seconds(5)) { $0.openChannels == 0 }
        let status = running.manager.statuses[0]
        #expect(status.state == .up)
        #expect(status.bytesIn >= UInt64(count * size) && status.bytesOut >= UInt64(count * size))
    }

    @Test("100 MB through the tunnel arrives intact (SHA-256)")
    func largeTransfer() throws {
        let target = try TargetServer(.http)
        let running = try TunnelFixture.upReverseTunnel(to: target.port)
        defer { running.manager.shutdown() }
        let size = 104_857_600

        var result: (status: Int, length: Int) = (0, 0)
        let arrived = try Self.sha256 { write in
            result = try Self.streamingGet(port: running.port, path: "/bytes/\(size)", timeout: .seconds(60), sink: write)
        }
        #expect(result.status == 200)
        #expect(result.length == size)
        let expected = try Self.sha256 { write in
            var offset = 0
            while offset < size {
                let count = min(8 << 20, size - offset)
                try write(Data(TargetServer.pattern(from: offset, count: count)))
                offset += count
            }
        }
        #expect(arrived == expected)
        try TunnelFixture.waitFor(running.manager, "the counters", timeout: .seconds(5)) { $0.bytesOut >= UInt64(size) }
    }

    @Test("half-close: 1 MB echoed after the client shuts down its write side, then EOF")
    func halfClose() throws {
        let target = try TargetServer(.echo)
        let running = try TunnelFixture.upReverseTunnel(to: target.port)
        defer { running.manager.shutdown() }
        let bytes = TargetServer.pattern(count: 1_000_000)
        let echoed = try TestClient.echo(port: running.port, bytes: bytes, timeout: .seconds(20))
        #expect(echoed.count == bytes.count)
        #expect(echoed == bytes)
        // And an empty exchange: EOF straight through in both directions.
        #expect(try TestClient.echo(port: running.port, bytes: [], timeout: .seconds(10)).isEmpty)
    }

    @Test("a local tunnel carries HTTP, streamed responses included")
    func localTunnel() throws {
        let sshd = try TestSSHD()
        try sshd.start()
        let target = try TargetServer(.http)
        let port = try TestSSHD.freePort()
        let spec = TunnelSpec(
            name: "t", mode: .local, server: .init(user: sshd.user, host: "127.0.0.1", port: sshd.port),
            identityFile: sshd.userKey(.ed25519), knownHostsFile: sshd.writeKnownHosts(sshd.knownHosts()),
            keepalive: .seconds(2),
            forwards: [.init(listen: TunnelFixture.bind("127.0.0.1:\(port)"), target: TunnelFixture.bind("127.0.0.1:\(target.port)"))])
        let manager = TunnelManager(tunnels: [spec], logger: TunnelFixture.logger)
        manager.start()
        defer { manager.shutdown() }
        let status = try TunnelFixture.waitFor(manager, "up") { $0.state == .up }
        #expect(status.mode == "local")
        #expect(status.forwards.first?.active == true)
        #expect(TestSSHD.listeners(port: port) == ["127.0.0.1"])

        let plain = try TestClient.httpGet(port: port, path: "/")
        #expect(plain.status == 200)
        #expect(plain.body == Array("hello".utf8))
        let stream = try TestClient.httpGet(port: port, path: "/stream")
        #expect(String(decoding: stream.body, as: UTF8.self) == (1...5).map { "data: \($0)\n\n" }.joined())
        #expect(stream.chunks.count >= 3, "the stream should arrive in pieces: \(stream.chunks.map(\.at))")
        let bytes = try TestClient.httpGet(port: port, path: "/bytes/1000000")
        #expect(bytes.body == TargetServer.pattern(count: 1_000_000))
        #expect(target.acceptedConnections == 3)
        try TunnelFixture.waitFor(manager, "counters and closed channels", timeout: .seconds(5)) {
            $0.bytesIn >= 1_000_000 && $0.bytesOut > 0 && $0.openChannels == 0
        }
    }

    /// A shell command line from arguments.
    static func shellCommand(_ arguments: [String]) -> String {
        arguments.map { argument in
            argument.allSatisfy { $0.isLetter || $0.isNumber || "/.-_=:%@".contains($0) }
                ? argument : "'" + argument.replacingOccurrences(of: "'", with: "'\\''") + "'"
        }.joined(separator: " ")
    }

    @Test("proxy_command: a tunnel through `ssh -W %h:%p` (jumping through the same sshd) comes up and carries HTTP")
    func proxyCommandJump() throws {
        let sshd = try TestSSHD()
        try sshd.start()
        let target = try TargetServer(.http)
        let port = try TestSSHD.freePort()
        var arguments = sshd.sshArguments(knownHostsFile: sshd.writeKnownHosts(sshd.knownHosts()))
        arguments.insert(contentsOf: ["-W", "%h:%p"], at: arguments.count - 1)
        let command = Self.shellCommand(["/usr/bin/ssh"] + arguments)
        let before = TunnelFailureTests.connections(sshd)
        let manager = TunnelManager(
            tunnels: [TunnelFixture.reverse(sshd, listenPort: port, targetPort: target.port, proxyCommand: command)],
            logger: TunnelFixture.logger)
        manager.start()
        defer { manager.shutdown() }
        let status = try TunnelFixture.waitFor(manager, "up through the proxy") { $0.state == .up }
        #expect(status.forwards.first?.verified == true)
        // The jump: sshd saw the proxy's ssh and, through its -W channel, our own session.
        let seen = TunnelFailureTests.connections(sshd) - before
        #expect(seen == 2, "sshd saw \(seen) connections")

        let plain = try TestClient.httpGet(port: port, path: "/")
        #expect(plain.status == 200)
        #expect(plain.body == Array("hello".utf8))
        let stream = try TestClient.httpGet(port: port, path: "/stream")
        #expect(String(decoding: stream.body, as: UTF8.self) == (1...5).map { "data: \($0)\n\n" }.joined())
        let bytes = try TestClient.httpGet(port: port, path: "/bytes/1000000")
        #expect(bytes.body == TargetServer.pattern(count: 1_000_000))
    }

    @Test("a failing proxy_command is proxy_failed in backoff, with what the command said")
    func failingProxyCommand() throws {
        let sshd = try TestSSHD()
        try sshd.start()
        let manager = TunnelManager(
            tunnels: [
                TunnelFixture.reverse(
                    sshd, listenPort: try TestSSHD.freePort(), targetPort: 9,
                    proxyCommand: "echo 'cloudflared: not logged in' >&2; exit 3")
            ],
            logger: TunnelFixture.logger)
        let before = TunnelFailureTests.connections(sshd)
        let log = StatusLog(manager)
        manager.start()
        let statuses = log.first(3, timeout: .seconds(15)) { $0.name == "t" && $0.state != .connecting }
        manager.shutdown()
        #expect(statuses.count == 3, "only \(statuses.count) failures seen")
        for (attempt, status) in statuses.enumerated() {
            #expect(status.state == .backoff, "attempt \(attempt): \(status.state)")
            #expect(status.failure == .proxyFailed, "attempt \(attempt): \(status.failure?.rawValue ?? "nil"): \(status.reason ?? "")")
            #expect(status.reason?.contains("not logged in") == true, "attempt \(attempt) reason: \(status.reason ?? "nil")")
            #expect(status.retryAt != nil)
        }
        #expect(TunnelFailureTests.connections(sshd) == before, "the proxy never reached sshd")
    }

    @Test("host_key_alias finds the key under the alias in a hashed known_hosts")
    func hostKeyAliasHashed() throws {
        let sshd = try TestSSHD()
        try sshd.start()
        let target = try TargetServer(.http)
        let line = sshd.knownHosts(hashed: true, name: "gateway.test")
        #expect(line.hasPrefix("|1|") && !line.contains("gateway.test"))
        let knownHosts = sshd.writeKnownHosts(line)

        func run(alias: String?, until condition: @escaping (TunnelStatus) -> Bool) throws -> TunnelStatus {
            let port = try TestSSHD.freePort()
            var spec = TunnelFixture.reverse(sshd, listenPort: port, targetPort: target.port, knownHosts: knownHosts)
            spec.hostKeyAlias = alias
            let manager = TunnelManager(tunnels: [spec], logger: TunnelFixture.logger)
            manager.start()
            defer { manager.shutdown() }
            let status = try TunnelFixture.waitFor(manager, "alias \(alias ?? "none")", condition)
            if status.state == .up {
                #expect(try TestClient.httpGet(port: port, path: "/").body == Array("hello".utf8))
            }
            return status
        }

        let up = try run(alias: "gateway.test") { $0.state == .up || $0.state == .failed }
        #expect(up.state == .up, "\(up.failure?.rawValue ?? "-"): \(up.reason ?? "")")
        #expect(up.forwards.first?.verified == true)

        let otherAlias = try run(alias: "other.test") { $0.state == .up || $0.state == .failed }
        #expect(otherAlias.failure == .hostkeyUnknown)
        #expect(otherAlias.reason?.contains("other.test") == true, "reason: \(otherAlias.reason ?? "nil")")

        let noAlias = try run(alias: nil) { $0.state == .up || $0.state == .failed }
        #expect(noAlias.failure == .hostkeyUnknown)
        #expect(noAlias.reason?.contains("[127.0.0.1]:\(sshd.port)") == true, "reason: \(noAlias.reason ?? "nil")")
    }

    @Test("a target that refuses connections: the tunnel stays up and clients are closed at once, not left hanging")
    func refusingTarget() throws {
        let closedPort = try TestSSHD.freePort()  // nothing listens there
        let running = try TunnelFixture.upReverseTunnel(to: closedPort)
        defer { running.manager.shutdown() }
        let sessions = Set(running.sshd.sessionProcessIDs())
        #expect(!sessions.isEmpty)
        let log = StatusLog(running.manager)

        for attempt in 0..<5 {
            let fd = try TestClient.connect(port: running.port, timeout: .seconds(5))
            defer { close(fd) }
            if attempt % 2 == 1 { try? TestClient.sendAll(fd, Array("GET / HTTP/1.1\r\n\r\n".utf8)) }
            let start = ContinuousClock.now
            var buffer = [UInt8](repeating: 0, count: 1024)
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            let error = errno
            let elapsed = ContinuousClock.now - start
            #expect(
                count == 0 || (count < 0 && (error == ECONNRESET || error == EPIPE)),
                "attempt \(attempt): recv returned \(count) (\(count < 0 ? String(cString: strerror(error)) : "data"))")
            #expect(elapsed < .seconds(2), "attempt \(attempt): closing took \(elapsed)")
        }
        // Every status published meanwhile was up: the refusals never touched the session.
        #expect(log.statuses.allSatisfy { $0.state == .up }, "\(log.statuses.map(\.state))")
        let status = running.manager.statuses[0]
        #expect(status.state == .up)
        #expect(status.failure == nil)
        #expect(Set(running.sshd.sessionProcessIDs()) == sessions, "the session was replaced")
        try TunnelFixture.waitFor(running.manager, "no open channels", timeout: .seconds(5)) { $0.openChannels == 0 }
    }
}
