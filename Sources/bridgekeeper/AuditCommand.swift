import ArgumentParser
import Config
import Policy
import Supervisor

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Audit the live host: listeners on the config's ports, and sshd's effective GatewayPorts.",
        discussion: """
            Reads /proc/net/tcp and /proc/net/tcp6 and runs `sshd -T`. What it cannot see (no \
            permission, no sshd) is reported as not verified. Exit status: 0 clean, 1 violations, \
            2 unreadable or invalid input.
            """
    )

    @OptionGroup var options: ConfigOptions

    @Option(help: "Output format: text for people, json for CI.")
    var format: OutputFormat = .text

    @Option(help: "Audit this sshd config instead of the system one (sshd -T -f FILE).")
    var sshdConfig: String?

    @Option(help: "The sshd binary (default: found in /usr/sbin, /usr/local/sbin or PATH).")
    var sshd: String?

    @Option(name: .customLong("sshd-user"), help: "A tunnel login on this host whose Match blocks to evaluate (repeatable).")
    var sshdUsers: [String] = []

    func run() throws {
        let (configuration, policy) = try options.load(json: format == .json)
        let audit = HostAudit(sshd: SSHDConfigReader(executable: sshd, configFile: sshdConfig, users: sshdUsers))
        try audit.run(targets: configuration.auditTargets, policy: policy).emit(format)
    }
}
