import Foundation

/// Audits the live host: listeners on the ports a config names, and sshd's effective GatewayPorts.
public struct HostAudit: Sendable {
    /// A port the config names, and what named it.
    public struct Target: Sendable {
        /// The port to look for listeners on.
        public let port: UInt16
        /// The config key that names it, e.g. `bridges[codex].url`.
        public let subject: String
        /// `file:line`, when the port came from a file.
        public let location: String?

        /// Makes a target.
        public init(port: UInt16, subject: String, location: String?) {
            self.port = port
            self.subject = subject
            self.location = location
        }
    }

    /// Where procfs is mounted (tests point this at a fixture tree).
    public var procRoot: String
    /// How to read sshd's effective config; nil skips the sshd check.
    public var sshd: SSHDConfigReader?

    /// Makes an audit of this host.
    public init(procRoot: String = "/proc", sshd: SSHDConfigReader? = SSHDConfigReader()) {
        self.procRoot = procRoot
        self.sshd = sshd
    }

    /// Runs the audit; every target port with a non-loopback listener not covered by an exception
    /// is a violation, and whatever could not be read is reported as not verified.
    public func run(targets: [Target], policy: ExposurePolicy) -> PolicyReport {
        var findings: [Finding] = []
        let (listeners, unreadable) = Listener.readProcNet(procRoot: procRoot)
        for path in unreadable {
            findings.append(Finding(
                severity: .unverified, subject: "listeners", value: path, location: nil, rule: "unverified",
                message: "cannot read \(path), so listeners there were not checked",
                fix: "run audit where procfs is mounted and readable"))
        }
        let ports = Dictionary(grouping: targets, by: \.port)
        let exposed = listeners.filter { listener in
            guard ports[listener.port] != nil, !listener.isLoopbackOnly else { return false }
            let verdict = policy.judge(HostPort(host: .address(listener.address), port: listener.port))
            if case .excepted(_, let exception) = verdict {
                for target in ports[listener.port] ?? [] {
                    findings.append(Finding(
                        severity: .excepted, subject: "listener for \(target.subject)", value: listener.description,
                        location: target.location, rule: "exception",
                        message: "listening on \(listener.address), allowed by \(exception.location) (\(exception.reason))",
                        fix: "none needed while the exception stands"))
                }
                return false
            }
            return true
        }
        let owners = exposed.isEmpty ? SocketOwners() : SocketOwners.scan(procRoot: procRoot, inodes: Set(exposed.map(\.inode)))
        for listener in exposed {
            let owner = owners.byInode[listener.inode].map { " by \($0)" } ?? (owners.complete ? "" : " (owner not visible: run audit as root)")
            let how = listener.address.addressClass == .unspecified ? "on every interface" : "on \(listener.address.addressClass.rawValue) address \(listener.address)"
            for target in ports[listener.port] ?? [] {
                findings.append(Finding(
                    severity: .violation, subject: "listener for \(target.subject)", value: listener.description,
                    location: target.location, rule: Refusal.Rule.exposedListener.rawValue,
                    message: "port \(listener.port) is listening \(how)\(owner)",
                    fix: "restart it bound to 127.0.0.1:\(listener.port) and keep it behind the tunnel"))
            }
        }
        if let sshd { findings += sshd.audit() }
        return PolicyReport(command: "audit", policy: policy, checked: ports.count, findings: findings)
    }
}
