import Foundation
import Glibc

/// A private OpenSSH `sshd` on a free loopback port, standing in for the gateway host's sshd.
///
/// Everything lives in the demo's directory: its own ed25519 host key, an ed25519 key for the
/// current user listed in its own `AuthorizedKeysFile`, a `known_hosts` with the host key for
/// `[127.0.0.1]:PORT`, and an `sshd_config` that mirrors `units/sshd-bridgekeeper.conf`:
/// `GatewayPorts no`, and remote forwards (and connections back to them, which bridgekeeper uses
/// to prove a listener is its own) allowed for the demo's one forward only. It runs as the
/// current user, in the foreground (`-D -e`), logging to `sshd.log`.
final class DemoSSHD: @unchecked Sendable {
    /// The sshd binary openssh-server installs.
    static let executable = "/usr/sbin/sshd"
    /// The key generator openssh-client installs.
    static let keygen = "/usr/bin/ssh-keygen"

    /// The port it listens on, on 127.0.0.1 only.
    let port: UInt16
    /// The user the tunnel logs in as: whoever runs the demo.
    let user: String
    /// The private key the tunnel authenticates with.
    let identityFile: String
    /// The known_hosts file holding this sshd's host key.
    let knownHostsFile: String
    private let directory: String
    private var process: ChildProcess?

    /// Writes keys and config into `directory`; `forward` is the one remote listener allowed, and
    /// the port sshd listens on is none of `taken`.
    init(directory: String, forward: String, avoiding taken: Set<UInt16>) throws(DemoFailure) {
        for tool in [Self.executable, Self.keygen] where access(tool, X_OK) != 0 {
            throw DemoFailure("\(tool) is missing: install openssh-server and openssh-client (scripts/setup does)")
        }
        self.directory = directory
        user = Self.currentUser()
        identityFile = "\(directory)/demo_ed25519"
        knownHostsFile = "\(directory)/known_hosts"
        port = try LoopbackPort.free(avoiding: taken)

        let hostKey = "\(directory)/host_ed25519"
        try Self.generateKey(hostKey, comment: "bridgekeeper-demo-host", in: directory)
        try Self.generateKey(identityFile, comment: "bridgekeeper-demo-tunnel", in: directory)
        try Self.write(Self.publicKey(identityFile) + "\n", to: "\(directory)/authorized_keys")
        try Self.write("[127.0.0.1]:\(port) \(Self.publicKey(hostKey))\n", to: knownHostsFile)
        try Self.write(
            """
            # bridgekeeper demo: a private sshd for the demo's reverse tunnel, as units/sshd-bridgekeeper.conf
            # configures the gateway host's. Removed when the demo stops.
            Port \(port)
            ListenAddress 127.0.0.1
            HostKey \(hostKey)
            PidFile \(directory)/sshd.pid
            AuthorizedKeysFile \(directory)/authorized_keys
            AllowUsers \(user)
            StrictModes no
            UsePAM no
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            PubkeyAuthentication yes
            PermitRootLogin prohibit-password
            GatewayPorts no
            AllowTcpForwarding yes
            PermitListen \(forward)
            PermitOpen \(forward)
            AllowStreamLocalForwarding no
            PermitTunnel no
            X11Forwarding no
            AllowAgentForwarding no
            PermitTTY no
            ForceCommand /usr/sbin/nologin
            ClientAliveInterval 15
            ClientAliveCountMax 3
            LogLevel VERBOSE

            """, to: "\(directory)/sshd_config")
        if geteuid() == 0 {
            // As root, sshd refuses to start without its privilege-separation directory.
            try? FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        }
    }

    /// The listener's process id while it runs.
    var pid: Int32? { process?.pid }

    /// Starts `sshd -D -e` and waits up to 10 s until it accepts connections.
    func start() async throws(DemoFailure) {
        let sshd = try ChildProcess(
            name: "sshd", arguments: [Self.executable, "-D", "-e", "-f", "\(directory)/sshd_config"], logPath: "\(directory)/sshd.log")
        process = sshd
        let deadline = ContinuousClock.now + .seconds(10)
        while !LoopbackPort.accepts(port) {
            guard sshd.isRunning else {
                throw DemoFailure("sshd \(sshd.ending ?? "ended") before listening on 127.0.0.1:\(port):\n\(sshd.logTail())")
            }
            guard ContinuousClock.now < deadline else {
                throw DemoFailure("sshd did not accept connections on 127.0.0.1:\(port) within 10 s:\n\(sshd.logTail())")
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
    }

    /// The end of sshd's log, for an error message.
    func logTail() -> String {
        process?.logTail() ?? "  (sshd did not start)"
    }

    /// Why sshd is no longer running, or nil while it runs.
    var failure: String? {
        guard let process, !process.isRunning else { return nil }
        return "sshd \(process.ending ?? "ended"):\n\(process.logTail())"
    }

    /// Ends the listener and every session process it forked.
    func stop() async {
        await process?.stop(grace: .seconds(3))
    }

    /// `ssh-keygen -t ed25519` without a passphrase; fails with ssh-keygen's own words.
    private static func generateKey(_ path: String, comment: String, in directory: String) throws(DemoFailure) {
        let log = "\(directory)/ssh-keygen.log"
        let keygen = try ChildProcess(
            name: "ssh-keygen", arguments: [Self.keygen, "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", path], logPath: log)
        let ending = keygen.waitForExit()
        guard ending == "exited with status 0" else { throw DemoFailure("ssh-keygen \(ending) making \(path):\n\(keygen.logTail())") }
    }

    /// `ssh-ed25519 AAAA…` from a key's `.pub` file, without its comment.
    private static func publicKey(_ privateKey: String) throws(DemoFailure) -> String {
        guard let text = try? String(contentsOfFile: privateKey + ".pub", encoding: .utf8) else {
            throw DemoFailure("cannot read \(privateKey).pub")
        }
        return text.split(whereSeparator: { $0 == " " || $0 == "\n" }).prefix(2).joined(separator: " ")
    }

    private static func write(_ text: String, to path: String) throws(DemoFailure) {
        do {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw DemoFailure("cannot write \(path): \(error.localizedDescription)")
        }
    }

    private static func currentUser() -> String {
        if let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name { return String(cString: name) }
        return ProcessInfo.processInfo.environment["USER"] ?? "root"
    }
}
