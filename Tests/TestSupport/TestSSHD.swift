public import Foundation
import Platform
import PrivateSSHD
import Synchronization

#if canImport(Glibc)
import Glibc
import Policy
#endif

/// A real OpenSSH `sshd` listening on a free loopback port, for tunnel tests: a ``PrivateSSHD``
/// with three user keys (ed25519, ECDSA P-256, RSA 3072), all authorised, in a fresh temporary
/// directory, and the helpers tests need around it (known_hosts lines, `ssh` arguments, session
/// processes, listeners). `stop()` ends the listener and every session process it forked;
/// `start()` may be called again afterwards and reuses the same port and keys.
///
/// The instance is safe to use from several threads; `deinit` stops the daemon and removes the
/// directory.
public final class TestSSHD: Sendable {
    /// The kinds of user key the fixture generates; each one is authorised.
    public enum KeyKind: String, CaseIterable, Sendable {
        /// `user_ed25519`.
        case ed25519
        /// `user_ecdsa`, ECDSA on P-256.
        case ecdsa
        /// `user_rsa`, 3072 bits.
        case rsa

        var keygenOptions: [String] {
            switch self {
            case .ed25519: ["-t", "ed25519"]
            case .ecdsa: ["-t", "ecdsa", "-b", "256"]
            case .rsa: ["-t", "rsa", "-b", "3072"]
            }
        }
    }

    /// Why the fixture could not do what it was asked.
    public struct Failure: Error, CustomStringConvertible {
        /// What went wrong, with the tail of the daemon log where it helps.
        public let description: String

        /// Makes a failure with the given message.
        public init(_ description: String) { self.description = description }
    }

    /// The loopback TCP port sshd listens on (on 127.0.0.1 only).
    public var port: UInt16 { sshd.port }
    /// The temporary directory holding keys, config, pid file and log.
    public let directory: URL
    /// The name of the user the tests run as, which is the user to log in as.
    public var user: String { sshd.user }

    private let sshd: PrivateSSHD
    private let temporary: TemporaryDirectory
    private let fileCounter = Mutex(0)

    /// Creates the directory, keys and `sshd_config`; does not start the daemon.
    ///
    /// - Parameters:
    ///   - gatewayPorts: the `GatewayPorts` value (`no`, `yes` or `clientspecified`).
    ///   - extraConfig: lines appended verbatim to `sshd_config`, e.g.
    ///     `PubkeyAcceptedAlgorithms +ssh-rsa`.
    public init(gatewayPorts: String = "no", extraConfig: String = "") throws {
        temporary = try TemporaryDirectory("testsshd")
        directory = URL(fileURLWithPath: temporary.path, isDirectory: true)
        let settings = ["GatewayPorts \(gatewayPorts)", "ClientAliveInterval 0"]
            + extraConfig.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter { !$0.isEmpty }
        do {
            sshd = try PrivateSSHD(
                PrivateSSHD.Configuration(
                    directory: temporary.path, port: try LoopbackPort.free(),
                    userKeys: KeyKind.allCases.map { PrivateSSHD.UserKey(name: "user_\($0.rawValue)", keygenOptions: $0.keygenOptions) },
                    settings: settings))
        } catch {
            throw Failure("\(error)")
        }
    }

    deinit {
        sshd.stop()
    }

    /// Appends `lines` to `sshd_config`; they take effect at the next ``start()``.
    public func appendConfig(_ lines: String) throws {
        let file = try FileHandle(forWritingTo: URL(fileURLWithPath: sshd.configPath))
        defer { try? file.close() }
        try file.seekToEnd()
        try file.write(contentsOf: Data((lines.hasSuffix("\n") ? lines : lines + "\n").utf8))
    }

    // MARK: Keys and known_hosts

    /// The path of the private key of the given kind; its public key is authorised.
    public func userKey(_ kind: KeyKind) -> String { sshd.file("user_\(kind.rawValue)") }

    /// The path of the ed25519 host private key.
    public var hostKeyPath: String { sshd.hostKeyPath }

    /// The host public key as `ssh-ed25519 AAAA…`, without its comment.
    public var hostKeyLine: String { sshd.hostKeyLine }

    /// One known_hosts line for this daemon's host key.
    ///
    /// - Parameters:
    ///   - hashed: hash the host name, as `ssh-keygen -H` does (the real tool produces it).
    ///   - name: the host pattern; defaults to `[127.0.0.1]:<port>`.
    /// - Returns: the line, without a trailing newline.
    public func knownHosts(hashed: Bool = false, name: String? = nil) -> String {
        let line = sshd.knownHostsLine(name: name)
        guard hashed else { return line }
        let path = directory.appendingPathComponent("known_hosts-hash-\(nextFileNumber())").path
        do {
            try (line + "\n").write(toFile: path, atomically: true, encoding: .utf8)
            defer {
                try? FileManager.default.removeItem(atPath: path)
                try? FileManager.default.removeItem(atPath: path + ".old")
                try? FileManager.default.removeItem(atPath: path + ".log")
            }
            let pid = try Self.launch("/usr/bin/ssh-keygen", ["-H", "-f", path], output: path + ".log")
            guard Self.waitForExit(pid, timeout: .seconds(30)) == 0 else { throw Failure("ssh-keygen -H failed: \((try? String(contentsOfFile: path + ".log", encoding: .utf8)) ?? "")") }
            let hashedText = try String(contentsOfFile: path, encoding: .utf8)
            guard let result = hashedText.split(separator: "\n").first(where: { $0.hasPrefix("|1|") }) else {
                throw Failure("ssh-keygen -H did not hash the line: \(hashedText)")
            }
            return String(result)
        } catch {
            preconditionFailure("TestSSHD.knownHosts(hashed:): \(error)")
        }
    }

    /// Writes `text` (plus a final newline if missing) to a new file in the directory.
    ///
    /// - Returns: the file's path, for `UserKnownHostsFile` or a libssh2 known-hosts load.
    public func writeKnownHosts(_ text: String) -> String {
        let path = directory.appendingPathComponent("known_hosts-\(nextFileNumber())").path
        let contents = text.isEmpty || text.hasSuffix("\n") ? text : text + "\n"
        do {
            try contents.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            preconditionFailure("TestSSHD.writeKnownHosts: \(error)")
        }
        return path
    }

    /// Arguments for `/usr/bin/ssh` to log in to this daemon, ignoring every user and system
    /// configuration file: `-F /dev/null`, batch mode, strict host key checking against
    /// `knownHostsFile`, only the given key, the port, and `user@127.0.0.1` last.
    ///
    /// Append `-N -R …` or a remote command. Run it with ``launch(_:_:output:)``.
    public func sshArguments(key: KeyKind = .ed25519, knownHostsFile: String) -> [String] {
        [
            "-F", "/dev/null",
            "-o", "BatchMode=yes",
            "-o", "UserKnownHostsFile=\(knownHostsFile)",
            "-o", "GlobalKnownHostsFile=/dev/null",
            "-o", "StrictHostKeyChecking=yes",
            "-o", "IdentitiesOnly=yes",
            "-i", userKey(key),
            "-p", "\(port)",
            "\(user)@127.0.0.1",
        ]
    }

    // MARK: Running

    /// The daemon's stderr so far, across every start.
    public var log: String { sshd.log }

    /// The process id of the listening sshd, while it runs.
    public var listenerProcessID: Int32? { sshd.pid }

    /// Starts `sshd -D -e` and waits up to 10 s until 127.0.0.1:``port`` answers with an SSH
    /// banner, then until the session process that connection forked has gone and its
    /// `Connection from` line is in the log, so a test starts with no sessions and a test counting
    /// connections does not count this one (under load the line arrived late and was counted).
    ///
    /// Does nothing if the daemon already runs. Throws with the tail of the log if sshd exits or
    /// never accepts.
    public func start() throws {
        do {
            try sshd.start()
        } catch {
            throw Failure(error.description)
        }
        try? Wait.until("the readiness probe's session to end", timeout: .seconds(3)) {
            sessionProcessIDs().isEmpty && log.contains("Connection from 127.0.0.1")
        }
    }

    /// Ends the listener and all its session processes: SIGTERM, then SIGKILL after 3 s.
    ///
    /// Returns once they are all gone. Calling it when nothing runs does nothing.
    public func stop() {
        sshd.stop()
    }

    /// The pids of the sshd processes serving sessions: every live descendant of the listener.
    public func sessionProcessIDs() -> [Int32] { sshd.sessionProcessIDs }

    /// Sends `signal` to every session process; the listener keeps running.
    public func killSessions(signal: Int32 = SIGKILL) {
        for pid in sessionProcessIDs() {
            kill(pid, signal)
        }
    }

    /// The local addresses with a TCP socket in LISTEN state on `port`, read from
    /// `/proc/net/tcp` and `/proc/net/tcp6`, e.g. `["127.0.0.1"]`, `["0.0.0.0", "::"]`.
    ///
    /// Sorted and without duplicates. Covers every process in this network namespace.
    public func listeners(port: UInt16) -> [String] {
        Self.listeners(port: port)
    }

    // MARK: Child processes

    /// Launches a helper such as `/usr/bin/ssh` as a child of the test process, with stdin from
    /// `/dev/null` and stdout and stderr appended to the file at `output`.
    ///
    /// Use this rather than Foundation's `Process` for OpenSSH tools that close inherited
    /// descriptors at startup (`ssh`, `sshd`): `Process` then waits for them on its monitor thread,
    /// blocking exit detection of every other `Process` until they end.
    ///
    /// - Returns: the pid; collect it with ``waitForExit(_:timeout:)``.
    public static func launch(_ executable: String, _ arguments: [String], output: String) throws -> Int32 {
        let fd = open(output, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Failure("open \(output): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        return try spawn(executable, arguments, outputFD: fd)
    }

    /// Waits up to `timeout` for the child `pid` to exit and reaps it.
    ///
    /// - Returns: its exit status, or 128 + the signal number if a signal ended it; `nil` if it
    ///   still runs after `timeout` (it is left running) or is not a child of this process.
    public static func waitForExit(_ pid: Int32, timeout: Duration) -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while true {
            var status: Int32 = 0
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid { return ChildExit.code(status) }
            if result < 0 && errno != EINTR { return nil }
            if ContinuousClock.now >= deadline { return nil }
            Thread.sleep(forTimeInterval: 0.02)
        }
    }

    /// Starts `executable` as the daemon starts its children (``ProcessGroupSpawn``), with stdin
    /// `/dev/null` and stdout and stderr `outputFD`.
    private static func spawn(_ executable: String, _ arguments: [String], outputFD: Int32) throws -> Int32 {
        do {
            return try ProcessGroupSpawn.spawn(
                [executable] + arguments, environment: nil, stdin: .null, stdout: .descriptor(outputFD), stderr: .descriptor(outputFD))
        } catch {
            throw Failure("posix_spawn \(executable): \(error)")
        }
    }

    // MARK: Static helpers

    /// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, read back, closed).
    public static func freePort() throws -> UInt16 { try LoopbackPort.free() }

    /// See ``listeners(port:)``.
    public static func listeners(port: UInt16) -> [String] {
        Set(Listener.readProcNet().listeners.filter { $0.port == port }.map { "\($0.address)" }).sorted()
    }

    private func nextFileNumber() -> Int {
        fileCounter.withLock {
            $0 += 1
            return $0
        }
    }

    /// Live (not zombie) descendants of `root`, by the parent pids in `/proc/*/stat`.
    public static func descendants(of root: Int32) -> [Int32] {
        let processes = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { entry in
            Int32(entry).flatMap { try? String(contentsOfFile: "/proc/\($0)/stat", encoding: .utf8) }.flatMap(ProcessTree.parseStat)
        }
        let children = Dictionary(grouping: processes.filter(\.isLive), by: \.parent)
        var result: [Int32] = []
        var queue = children[root]?.map(\.pid) ?? []
        var seen = Set<Int32>([root])
        while let pid = queue.popLast() {
            guard seen.insert(pid).inserted else { continue }
            result.append(pid)
            queue += children[pid]?.map(\.pid) ?? []
        }
        return result.sorted()
    }

    /// Whether `pid` exists and is not a zombie.
    public static func isAlive(_ pid: Int32) -> Bool {
        (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)).flatMap(ProcessTree.parseStat)?.isLive ?? false
    }
}
