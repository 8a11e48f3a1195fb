import Foundation
import Logging
import Policy
import TestSupport
import TunnelManager

/// Builds tunnel specs against a `TestSSHD` and waits for states.
enum TunnelFixture {
    /// A policy-approved loopback address.
    static func bind(_ text: String) -> BindAddress {
        guard case .allowed(let address) = ExposurePolicy(source: "test").check(bind: text) else {
            fatalError("\(text) is not an allowed bind")
        }
        return address
    }

    /// A reverse tunnel through `sshd` from a free server port to `targetPort` here.
    static func reverse(
        _ sshd: TestSSHD, name: String = "t", listenPort: UInt16, targetPort: UInt16, key: TestSSHD.KeyKind = .ed25519,
        knownHosts: String? = nil, keepalive: Duration = .seconds(2), proxyCommand: String? = nil
    ) -> TunnelSpec {
        TunnelSpec(
            name: name, mode: .reverse, server: .init(user: sshd.user, host: "127.0.0.1", port: sshd.port),
            identityFile: sshd.userKey(key), knownHostsFile: knownHosts ?? sshd.writeKnownHosts(sshd.knownHosts()),
            proxyCommand: proxyCommand, keepalive: keepalive,
            forwards: [.init(listen: bind("127.0.0.1:\(listenPort)"), target: bind("127.0.0.1:\(targetPort)"))])
    }

    /// A running sshd, a reverse tunnel through it, and the port the tunnel listens on there.
    struct Running {
        let sshd: TestSSHD
        let manager: TunnelManager
        let port: UInt16
    }

    /// Starts an sshd and a manager holding one reverse tunnel through it to `targetPort`, and
    /// waits until the tunnel is up with its forward verified. The caller shuts the manager down.
    static func upReverseTunnel(to targetPort: UInt16) throws -> Running {
        let sshd = try TestSSHD()
        try sshd.start()
        let port = try TestSSHD.freePort()
        let manager = TunnelManager(tunnels: [reverse(sshd, listenPort: port, targetPort: targetPort)], logger: logger)
        manager.start()
        do {
            let status = try waitFor(manager, "up") { $0.state == .up }
            guard status.forwards.first?.verified == true else { throw TestSSHD.Failure("up, but the forward is not verified") }
        } catch {
            manager.shutdown()
            throw error
        }
        return Running(sshd: sshd, manager: manager, port: port)
    }

    /// A logger that prints only warnings and worse, to keep test output readable.
    static var logger: Logger {
        var logger = Logger(label: "test") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = ProcessInfo.processInfo.environment["BRIDGEKEEPER_TEST_LOG"].flatMap { Logger.Level(rawValue: $0) } ?? .critical
        return logger
    }

    /// Waits until the named tunnel satisfies `condition`; throws naming the last status.
    @discardableResult
    static func waitFor(
        _ manager: TunnelManager, _ what: String, tunnel name: String = "t", timeout: Duration = .seconds(20),
        _ condition: (TunnelStatus) -> Bool
    ) throws -> TunnelStatus {
        try Wait.value(what, timeout: timeout, interval: .milliseconds(50), lastSeen: {
            manager.statuses.first { $0.name == name }.map { "\($0.state) \($0.failure?.rawValue ?? "-") \($0.reason ?? "")" } ?? "none"
        }) {
            manager.statuses.first { $0.name == name && condition($0) }
        }
    }
}
