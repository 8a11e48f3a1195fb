import Foundation
import Glibc
import Platform
import Synchronization

/// A private OpenSSH `sshd` on a loopback port: the demo's stand-in for the gateway host's sshd,
/// and the real sshd the tunnel tests run against.
///
/// Everything lives in one directory the caller owns: an ed25519 host key, the user keys asked
/// for (all listed in its own `authorized_keys`), an `sshd_config` and `sshd.log`. It listens on
/// 127.0.0.1 only, runs as the current user in the foreground (`sshd -D -e`) in a process group of
/// its own, and ``stop(grace:)`` ends the listener and every session process it forked.
/// ``start(timeout:)`` may be called again after a stop; it reuses the port, keys and config.
///
/// ``start(timeout:)`` and ``stop(grace:)`` block; from async code run them through `BlockingWork`.
public final class PrivateSSHD: Sendable {
    /// What to make and how to run it.
    public struct Configuration: Sendable {
        /// The directory for keys, config, pid file and log; it must exist.
        public var directory: String
        /// The port to listen on, on 127.0.0.1.
        public var port: UInt16
        /// The user keys to generate and authorise.
        public var userKeys: [UserKey]
        /// `sshd_config` lines after the fixed ones (listen address, keys, the current user's
        /// public-key logins only,
        /// `AllowTcpForwarding yes`, `LogLevel VERBOSE`); for most keywords sshd takes the first
        /// value it reads, so these may not repeat those.
        public var settings: [String]

        public init(directory: String, port: UInt16, userKeys: [UserKey], settings: [String]) {
            self.directory = directory
            self.port = port
            self.userKeys = userKeys
            self.settings = settings
        }
    }

    /// A user key: the file name of its private half and the `ssh-keygen` options that make it
    /// (`-t ed25519`, `-t rsa -b 3072`).
    public struct UserKey: Sendable {
        public var name: String
        public var keygenOptions: [String]

        public init(name: String, keygenOptions: [String]) {
            self.name = name
            self.keygenOptions = keygenOptions
        }
    }

    /// Why sshd could not be set up or started, with ssh-keygen's words or the tail of sshd's log.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String

        init(_ description: String) { self.description = description }
    }

    /// The sshd binary openssh-server installs.
    public static let executable = "/usr/sbin/sshd"
    /// The key generator openssh-client installs.
    public static let keygen = "/usr/bin/ssh-keygen"

    /// What it was made with.
    public let configuration: Configuration
    /// The user to log in as: whoever runs this process.
    public let user: String
    private let process = Mutex<ChildProcess?>(nil)
    /// Makes start and stop take turns; held while they wait for sshd.
    private let turns = Mutex(())

    /// Generates the keys and writes `authorized_keys` and `sshd_config`; does not start sshd.
    public init(_ configuration: Configuration) throws(Failure) {
        for tool in [Self.executable, Self.keygen] where access(tool, X_OK) != 0 {
            throw Failure("\(tool) is missing: install openssh-server and openssh-client (scripts/setup does)")
        }
        self.configuration = configuration
        user = Self.currentUser()
        try Self.generateKey(at: hostKeyPath, options: ["-t", "ed25519"], comment: "bridgekeeper-sshd-host", in: configuration.directory)
        var authorized = ""
        for key in configuration.userKeys {
            let path = file(key.name)
            try Self.generateKey(at: path, options: key.keygenOptions, comment: "bridgekeeper-sshd-\(key.name)", in: configuration.directory)
            authorized += try Self.publicKey(path) + "\n"
        }
        try Self.write(authorized, to: file("authorized_keys"))
        let fixed = [
            "Port \(configuration.port)",
            "ListenAddress 127.0.0.1",
            "HostKey \(hostKeyPath)",
            "PidFile \(file("sshd.pid"))",
            "AuthorizedKeysFile \(file("authorized_keys"))",
            "AllowUsers \(user)",
            "StrictModes no",
            "UsePAM no",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "PubkeyAuthentication yes",
            "PermitRootLogin prohibit-password",
            "AllowTcpForwarding yes",
            "LogLevel VERBOSE",
        ]
        try Self.write((fixed + configuration.settings).joined(separator: "\n") + "\n", to: configPath)
        if geteuid() == 0 {
            // As root, sshd refuses to start without its privilege-separation directory.
            try? FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        }
    }

    /// The loopback port it listens on.
    public var port: UInt16 { configuration.port }
    /// The path of `name` in its directory (a user key's private half, say).
    public func file(_ name: String) -> String { configuration.directory + "/" + name }
    /// Its `sshd_config`.
    public var configPath: String { file("sshd_config") }
    /// Its ed25519 host key (the private half).
    public var hostKeyPath: String { file("host_ed25519") }
    /// Its log: sshd's stderr across every start.
    public var logPath: String { file("sshd.log") }

    /// The host public key as `ssh-ed25519 AAAA…`, without its comment.
    public var hostKeyLine: String { (try? Self.publicKey(hostKeyPath)) ?? "" }

    /// The known_hosts line for this sshd, under `name` (`[127.0.0.1]:<port>` by default), without
    /// a trailing newline.
    public func knownHostsLine(name: String? = nil) -> String { "\(name ?? "[127.0.0.1]:\(port)") \(hostKeyLine)" }

    /// Its log so far.
    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// The end of its log, for an error message.
    public func logTail() -> String { process.withLock { $0?.logTail() } ?? "  (sshd did not start)" }

    /// The listener's process id while it runs.
    public var pid: Int32? { process.withLock { $0?.isRunning == true ? $0?.pid : nil } }

    /// Why sshd is no longer running, with the end of its log; nil while it runs or before a start.
    public var failure: String? {
        process.withLock { process in
            guard let process, let ending = process.ending else { return nil }
            return "sshd \(ending):\n\(process.logTail())"
        }
    }

    /// The processes serving sessions: every live descendant of the listener.
    public var sessionProcessIDs: [Int32] { process.withLock { $0?.isRunning == true ? $0?.descendants ?? [] : [] } }

    /// Starts `sshd -D -e` and waits up to `timeout` until 127.0.0.1:``port`` answers with an SSH
    /// banner. Does nothing while it runs.
    public func start(timeout: Duration = .seconds(10)) throws(Failure) {
        try turns.withLock { _ throws(Failure) in
            if pid != nil { return }
            stopInTurn(grace: .zero)  // tidy up after a daemon that died on its own
            let marker = "\(Self.markerName)=\(getpid()):\(port)"
            let sshd: ChildProcess
            do {
                sshd = try ChildProcess(
                    name: "sshd", arguments: [Self.executable, "-D", "-e", "-f", configPath],
                    environment: .ofThisProcess(adding: [Self.markerName: "\(getpid()):\(port)"]), marker: marker, logPath: logPath)
            } catch {
                throw Failure("\(error)")
            }
            process.withLock { $0 = sshd }
            let deadline = ContinuousClock.now + timeout
            // A banner counts only while our sshd runs: another one may hold the port it lost.
            while LoopbackPort.greeting(port, timeout: .seconds(2))?.starts(with: Array("SSH-".utf8)) != true || !sshd.isRunning {
                if let ending = sshd.ending {
                    throw Failure("sshd \(ending) before listening on 127.0.0.1:\(port):\n\(sshd.logTail())")
                }
                guard ContinuousClock.now < deadline else {
                    stopInTurn(grace: .zero)
                    throw Failure("sshd did not accept connections on 127.0.0.1:\(port) within \(timeout):\n\(sshd.logTail())")
                }
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
    }

    /// Ends the listener and every session process it forked: SIGTERM, then SIGKILL after `grace`.
    /// Returns once they are gone. Does nothing when nothing runs.
    public func stop(grace: Duration = .seconds(3)) {
        turns.withLock { _ in stopInTurn(grace: grace) }
    }

    private func stopInTurn(grace: Duration) {
        process.withLock { $0 }?.stop(grace: grace)
    }

    /// Marks sshd's environment, which its session processes inherit, so a stop finds them even
    /// after they lost their listener and were reparented.
    static let markerName = "BRIDGEKEEPER_PRIVATE_SSHD"

    /// `ssh-keygen` without a passphrase; fails with ssh-keygen's own words.
    private static func generateKey(at path: String, options: [String], comment: String, in directory: String) throws(Failure) {
        let keygen: ChildProcess
        do {
            keygen = try ChildProcess(
                name: "ssh-keygen", arguments: [Self.keygen, "-q", "-N", "", "-C", comment, "-f", path] + options,
                logPath: directory + "/ssh-keygen.log")
        } catch {
            throw Failure(error.description)
        }
        let ending = keygen.waitForExit()
        guard ending == "exited with status 0" else { throw Failure("ssh-keygen \(ending) making \(path):\n\(keygen.logTail())") }
    }

    /// `ssh-ed25519 AAAA…` from a key's `.pub` file, without its comment.
    private static func publicKey(_ privateKey: String) throws(Failure) -> String {
        guard let text = try? String(contentsOfFile: privateKey + ".pub", encoding: .utf8) else {
            throw Failure("cannot read \(privateKey).pub")
        }
        return text.split(whereSeparator: { $0 == " " || $0 == "\n" }).prefix(2).joined(separator: " ")
    }

    private static func write(_ text: String, to path: String) throws(Failure) {
        do {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw Failure("cannot write \(path): \(error.localizedDescription)")
        }
    }

    private static func currentUser() -> String {
        if let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name { return String(cString: name) }
        return ProcessInfo.processInfo.environment["USER"] ?? "root"
    }
}
