import Foundation
import TestSupport
import Testing

/// `bridgekeeper audit` against real sockets and a real `sshd -T`.
@Suite struct AuditTests {
    @Test func auditFindsAWildcardListenerAndNotALoopbackOne() throws {
        let exposed = try TCPListener(address: "0.0.0.0")
        let loopback = try TCPListener(address: "127.0.0.1")
        let dir = try TemporaryDirectory("test")
        let config = try dir.write("c.toml", """
            [gateway]
            listen = "127.0.0.1:\(loopback.port)"

            [[bridges]]
            name = "exposed"
            url = "http://127.0.0.1:\(exposed.port)"
            api = "openai"
            """)
        let result = try Bridgekeeper.run(["audit", "--config", config, "--format", "json", "--sshd", "/nonexistent/sshd"])
        #expect(result.status == 1, "\(result.output)\(result.errors)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        let findings = try #require(object["findings"] as? [[String: Any]])
        let violations = findings.filter { $0["severity"] as? String == "violation" }
        #expect(violations.count == 1)
        #expect(violations.first?["subject"] as? String == "listener for bridges[exposed].url")
        #expect(violations.first?["value"] as? String == "0.0.0.0:\(exposed.port)")
        #expect(violations.first?["location"] as? String == "\(config):6")
        if geteuid() == 0 {
            #expect((violations.first?["message"] as? String)?.contains("(pid \(getpid()))") == true)
        }
        #expect(!findings.contains { ($0["value"] as? String)?.hasSuffix(":\(loopback.port)") == true })
        // The sshd it was told to use does not exist: said, not silently passed.
        #expect(findings.contains { $0["subject"] as? String == "sshd GatewayPorts" && $0["severity"] as? String == "unverified" })
        withExtendedLifetime((exposed, loopback)) {}
    }

    @Test(arguments: [("yes", Int32(1)), ("clientspecified", 1), ("no", 0)])
    func auditReadsSSHDsEffectiveGatewayPorts(setting: String, status: Int32) throws {
        let dir = try TemporaryDirectory("test")
        guard let sshdConfig = try Self.sshdConfig(in: dir, "GatewayPorts \(setting)") else { return }
        let result = try Self.audit(in: dir, ["--sshd-config", sshdConfig])
        #expect(result.status == status, "\(result.output)\(result.errors)")
        if status == 1 {
            #expect(result.output.contains("sshd GatewayPorts = \"\(setting)\": refused [gateway_ports]"))
        } else {
            #expect(!result.output.contains("GatewayPorts"))
        }
    }

    /// A global `GatewayPorts no` can be undone by a `Match User` block for the tunnel login.
    @Test func auditEvaluatesTheTunnelUsersMatchBlock() throws {
        let dir = try TemporaryDirectory("test")
        guard let sshdConfig = try Self.sshdConfig(in: dir, "GatewayPorts no\nMatch User tunnel\n  GatewayPorts yes") else { return }
        let global = try Self.audit(in: dir, ["--sshd-config", sshdConfig])
        #expect(global.status == 0, "\(global.output)\(global.errors)")
        let result = try Self.audit(in: dir, ["--sshd-config", sshdConfig, "--sshd-user", "tunnel", "--sshd-user", "other"])
        #expect(result.status == 1, "\(result.output)\(result.errors)")
        #expect(result.output.contains("sshd GatewayPorts for user tunnel = \"yes\": refused [gateway_ports]"))
        #expect(!result.output.contains("for user other"))
    }

    /// Writes an sshd config with its own host key; nil (with an issue recorded) when not root,
    /// since `sshd -T` needs root for its key and /run/sshd.
    static func sshdConfig(in dir: TemporaryDirectory, _ settings: String) throws -> String? {
        guard geteuid() == 0 else {
            Issue.record("sshd -T needs root to read its host key and /run/sshd; run the suite as root (CI does)")
            return nil
        }
        try FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)
        let key = dir.path + "/host_ed25519"
        let keygen = Process()
        keygen.executableURL = URL(fileURLWithPath: "/usr/bin/ssh-keygen")
        keygen.arguments = ["-q", "-t", "ed25519", "-N", "", "-f", key]
        try keygen.run()
        keygen.waitUntilExit()
        #expect(keygen.terminationStatus == 0)
        return try dir.write("sshd_config", "Port 22022\nListenAddress 127.0.0.1\nHostKey \(key)\nPidFile none\n\(settings)\n")
    }

    /// Audits a config whose only port is a loopback listener, so only sshd findings can fail it.
    static func audit(in dir: TemporaryDirectory, _ arguments: [String]) throws -> Bridgekeeper.Result {
        let gateway = try TCPListener(address: "127.0.0.1")
        let config = try dir.write("c.toml", "[gateway]\nlisten = \"127.0.0.1:\(gateway.port)\"\n")
        return try withExtendedLifetime(gateway) { try Bridgekeeper.run(["audit", "--config", config] + arguments) }
    }
}

/// A real listening TCP socket on port 0, closed on deinit.
final class TCPListener {
    let descriptor: Int32
    let port: UInt16

    init(address: String) throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw POSIXError(.EMFILE) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        inet_pton(AF_INET, address, &addr.sin_addr)
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(descriptor, 8) == 0 else {
            close(descriptor)
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EINVAL)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        self.descriptor = descriptor
        self.port = UInt16(bigEndian: addr.sin_port)
    }

    deinit {
        close(descriptor)
    }
}
