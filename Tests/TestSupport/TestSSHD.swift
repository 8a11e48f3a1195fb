public import Foundation
import Platform

#if canImport(Glibc)
import Glibc
import Policy
#endif

/// A real OpenSSH `sshd` listening on a free loopback port, for tunnel tests.
///
/// Everything it needs lives in a fresh temporary directory: an ed25519 host key, three user
/// keys (ed25519, ECDSA P-256, RSA 3072) all listed in `authorized_keys`, and an `sshd_config`.
/// `start()` runs `/usr/sbin/sshd -D -e` as a child process; its stderr goes to `sshd.log` in
/// the directory and to ``log``. `stop()` ends the listener and every session process it forked;
/// `start()` may be called again afterwards and reuses the same port and keys.
///
/// The instance is safe to use from several threads; `deinit` stops the daemon and removes the
/// directory.
public final class TestSSHD: @unchecked Sendable {
    /// The kinds of user key the fixture generates; each one is authorised.
    public enum KeyKind: String, CaseIterable, Sendable {
        /// `user_ed25519`.
        case ed25519
        /// `user_ecdsa`, ECDSA on P-256.
        case ecdsa
        /// `user_rsa`, 3072 bits.
        case rsa
    }

    /// Why the fixture could not do what it was asked.
    public struct Failure: Error, CustomStringConvertible {
        /// What went wrong, with the tail of the daemon log where it helps.
        public let description: String

        /// Makes a failure with the given message.
        public init(_ description: String) { self.description = description }
    }

    /// The loopback TCP port sshd listens on (on 127.0.0.1 only).
    public let port: UInt16
    /// The temporary directory holding keys, config, pid file and log.
    public let directory: URL
    /// The name of the user the tests run as, which is the user to log in as.
    public let user: String

    private let lock = NSLock()
    private var listenerPID: Int32?
    private var lastExitStatus: Int32?
    private var listenerPIDReaped = false
    private var readerFinished: NSCondition?
    private var readerState: ReaderState?
    private var logFile: FileHandle?
    private var logText = ""
    private var fileCounter = 0

    /// Creates the directory, keys and `sshd_config`; does not start the daemon.
    ///
    /// - Parameters:
    ///   - gatewayPorts: the `GatewayPorts` value (`no`, `yes` or `clientspecified`).
    ///   - extraConfig: lines appended verbatim to `sshd_config`, e.g.
    ///     `PubkeyAcceptedAlgorithms +ssh-rsa`.
    public init(gatewayPorts: String = "no", extraConfig: String = "") throws {
        let base = FileManager.default.temporaryDirectory
            .appendingPathComponent("testsshd-\(getpid())-\(UUID().uuidString.prefix(8))", isDirectory: true)
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        directory = base
        user = Self.currentUserName()

        do {
            let dir = base.path
            try Self.run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "testsshd-host", "-f", "\(dir)/host_ed25519"])
            try Self.run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "testsshd-user-ed25519", "-f", "\(dir)/user_ed25519"])
            try Self.run("/usr/bin/ssh-keygen", ["-q", "-t", "ecdsa", "-b", "256", "-N", "", "-C", "testsshd-user-ecdsa", "-f", "\(dir)/user_ecdsa"])
            try Self.run("/usr/bin/ssh-keygen", ["-q", "-t", "rsa", "-b", "3072", "-N", "", "-C", "testsshd-user-rsa", "-f", "\(dir)/user_rsa"])

            var authorized = ""
            for kind in KeyKind.allCases {
                let pub = try String(contentsOfFile: "\(dir)/user_\(kind.rawValue).pub", encoding: .utf8)
                authorized += pub.trimmingCharacters(in: .whitespacesAndNewlines) + "\n"
            }
            try authorized.write(toFile: "\(dir)/authorized_keys", atomically: true, encoding: .utf8)

            port = try Self.freePort()

            var config = """
                Port \(port)
                ListenAddress 127.0.0.1
                HostKey \(dir)/host_ed25519
                PidFile \(dir)/sshd.pid
                AuthorizedKeysFile \(dir)/authorized_keys
                StrictModes no
                PasswordAuthentication no
                KbdInteractiveAuthentication no
                PubkeyAuthentication yes
                PermitRootLogin prohibit-password
                UsePAM no
                AllowTcpForwarding yes
                GatewayPorts \(gatewayPorts)
                LogLevel VERBOSE
                ClientAliveInterval 0

                """
            if !extraConfig.isEmpty {
                config += extraConfig.hasSuffix("\n") ? extraConfig : extraConfig + "\n"
            }
            try config.write(toFile: "\(dir)/sshd_config", atomically: true, encoding: .utf8)

            if geteuid() == 0 {
                // sshd refuses to start as root without its privilege-separation directory.
                var isDirectory: ObjCBool = false
                if !FileManager.default.fileExists(atPath: "/run/sshd", isDirectory: &isDirectory) {
                    try FileManager.default.createDirectory(
                        atPath: "/run/sshd", withIntermediateDirectories: true,
                        attributes: [.posixPermissions: 0o755])
                }
            }
        } catch {
            try? FileManager.default.removeItem(at: base)
            throw error
        }
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Appends `lines` to `sshd_config`; they take effect at the next ``start()``.
    public func appendConfig(_ lines: String) throws {
        let file = try FileHandle(forWritingTo: directory.appendingPathComponent("sshd_config"))
        defer { try? file.close() }
        try file.seekToEnd()
        try file.write(contentsOf: Data((lines.hasSuffix("\n") ? lines : lines + "\n").utf8))
    }

    // MARK: Keys and known_hosts

    /// The path of the private key of the given kind; its public key is authorised.
    public func userKey(_ kind: KeyKind) -> String {
        directory.appendingPathComponent("user_\(kind.rawValue)").path
    }

    /// The path of the ed25519 host private key.
    public var hostKeyPath: String {
        directory.appendingPathComponent("host_ed25519").path
    }

    /// The host public key as `ssh-ed25519 AAAA…`, without its comment.
    public var hostKeyLine: String {
        let text = (try? String(contentsOfFile: hostKeyPath + ".pub", encoding: .utf8)) ?? ""
        return text.split(whereSeparator: { $0 == " " || $0 == "\n" }).prefix(2).joined(separator: " ")
    }

    /// One known_hosts line for this daemon's host key.
    ///
    /// - Parameters:
    ///   - hashed: hash the host name, as `ssh-keygen -H` does (the real tool produces it).
    ///   - name: the host pattern; defaults to `[127.0.0.1]:<port>`.
    /// - Returns: the line, without a trailing newline.
    public func knownHosts(hashed: Bool = false, name: String? = nil) -> String {
        let line = "\(name ?? "[127.0.0.1]:\(port)") \(hostKeyLine)"
        guard hashed else { return line }
        let path = directory.appendingPathComponent("known_hosts-hash-\(nextFileNumber())").path
        do {
            try (line + "\n").write(toFile: path, atomically: true, encoding: .utf8)
            defer {
                try? FileManager.default.removeItem(atPath: path)
                try? FileManager.default.removeItem(atPath: path + ".old")
            }
            try Self.run("/usr/bin/ssh-keygen", ["-H", "-f", path])
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
    public var log: String {
        lock.withLock { logText }
    }

    /// The process id of the listening sshd, while it runs.
    public var listenerProcessID: Int32? {
        lock.withLock { listenerRunningLocked() ? listenerPID : nil }
    }

    /// Starts `sshd -D -e` and waits up to 10 s until 127.0.0.1:``port`` accepts a connection.
    ///
    /// Does nothing if the daemon already runs. Throws with the tail of the log if sshd exits or
    /// never accepts.
    ///
    /// sshd is spawned with `posix_spawn`, not Foundation's `Process`: sshd closes every inherited
    /// descriptor at startup, including the socket `Process` watches for the child's exit, which
    /// leaves Foundation's process-monitor thread blocked in `waitpid` for the daemon's lifetime
    /// and stalls every other `Process` in the test run.
    public func start() throws {
        if listenerProcessID != nil { return }
        stop()  // tidy up after a daemon that died on its own

        let logPath = directory.appendingPathComponent("sshd.log").path
        if !FileManager.default.fileExists(atPath: logPath) {
            _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        }
        guard let file = FileHandle(forWritingAtPath: logPath) else {
            throw Failure("cannot open \(logPath)")
        }
        file.seekToEndOfFile()
        lock.withLock { logFile = file }

        let (pid, readFD) = try Self.spawnWithPipe(
            "/usr/sbin/sshd", ["-D", "-e", "-f", directory.appendingPathComponent("sshd_config").path])
        let finished = NSCondition()
        let state = ReaderState()
        lock.withLock {
            listenerPID = pid
            listenerPIDReaped = false
            lastExitStatus = nil
            readerFinished = finished
            readerState = state
        }
        let sink: @Sendable (Data) -> Void = { [weak self] data in self?.appendLog(data) }
        let reader = Thread {
            Self.pump(readFD, into: sink)
            finished.lock()
            state.done = true
            finished.broadcast()
            finished.unlock()
        }
        reader.name = "TestSSHD-\(port)-log"
        reader.start()

        let deadline = ContinuousClock.now + .seconds(10)
        while true {
            if listenerProcessID == nil {
                Thread.sleep(forTimeInterval: 0.1)  // let the last of stderr arrive
                let status = lock.withLock { lastExitStatus }
                stop()
                throw Failure("sshd exited (\(status.map(String.init) ?? "?")) before listening\n\(logTail())")
            }
            if listeners(port: port).contains("127.0.0.1"), Self.canConnect(port: port) {
                break
            }
            if ContinuousClock.now >= deadline {
                stop()
                throw Failure("sshd did not accept on 127.0.0.1:\(port) within 10 s\n\(logTail())")
            }
            Thread.sleep(forTimeInterval: 0.05)
        }

        // The probe connection forked a short-lived child; let it go so a test starts with no sessions,
        // and let its "Connection from" line reach the log, so a test counting connections from
        // here does not count the probe (under load the line arrived late and was counted).
        let settle = ContinuousClock.now + .seconds(3)
        while (!sessionProcessIDs().isEmpty || !log.contains("Connection from 127.0.0.1")) && ContinuousClock.now < settle {
            Thread.sleep(forTimeInterval: 0.02)
        }
    }

    /// Ends the listener and all its session processes: SIGTERM, then SIGKILL after 3 s.
    ///
    /// Returns once they are all gone. Calling it when nothing runs does nothing.
    public func stop() {
        guard let pid = lock.withLock({ listenerPID }) else { return }

        var victims: [Int32] = []
        if listenerProcessID != nil {
            victims = [pid] + Self.descendants(of: pid)
        }
        for victim in victims { kill(victim, SIGTERM) }

        let deadline = ContinuousClock.now + .seconds(3)
        while victims.contains(where: Self.isAlive) {
            if Self.isAlive(pid) {
                // A connection accepted just before SIGTERM may have forked after the snapshot.
                for late in Self.descendants(of: pid) where !victims.contains(late) {
                    kill(late, SIGTERM)
                    victims.append(late)
                }
            }
            if ContinuousClock.now >= deadline {
                // Children may have forked more children meanwhile; sweep what is still there.
                if Self.isAlive(pid) { victims += Self.descendants(of: pid) }
                for victim in victims where Self.isAlive(victim) { kill(victim, SIGKILL) }
                break
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        let hardDeadline = ContinuousClock.now + .seconds(5)
        while victims.contains(where: Self.isAlive) && ContinuousClock.now < hardDeadline {
            Thread.sleep(forTimeInterval: 0.02)
        }

        // Reap the listener (a zombie by now, unless SIGKILL failed, which cannot happen).
        let (finished, state, file): (NSCondition?, ReaderState?, FileHandle?) = lock.withLock {
            if listenerRunningLocked() {
                var status: Int32 = 0
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                lastExitStatus = ChildExit.code(status)
                listenerPIDReaped = true
            }
            listenerPID = nil
            defer {
                readerFinished = nil
                readerState = nil
                logFile = nil
            }
            return (readerFinished, readerState, logFile)
        }

        // Every writer of the log pipe is gone; let the reader drain it, then close the log.
        if let finished, let state {
            finished.lock()
            let limit = Date(timeIntervalSinceNow: 1)
            while !state.done && finished.wait(until: limit) {}
            finished.unlock()
        }
        try? file?.close()
    }

    /// The pids of the sshd processes serving sessions: every live descendant of the listener.
    public func sessionProcessIDs() -> [Int32] {
        guard let root = listenerProcessID else { return [] }
        return Self.descendants(of: root)
    }

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

    /// Runs a tool to completion; throws with its output if it fails.
    @discardableResult
    static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let (pid, readFD) = try spawnWithPipe(executable, arguments)
        let reader = FileHandle(fileDescriptor: readFD, closeOnDealloc: true)
        let data = reader.readDataToEndOfFile()
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let output = String(decoding: data, as: UTF8.self)
        guard ChildExit.code(status) == 0 else {
            throw Failure("\(executable) \(arguments.joined(separator: " ")) failed (\(ChildExit.code(status))): \(output)")
        }
        return output
    }

    /// Spawns with stdout and stderr into a new pipe; returns the pid and the pipe's read end.
    private static func spawnWithPipe(_ executable: String, _ arguments: [String]) throws -> (Int32, Int32) {
        var fds: [Int32] = [0, 0]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) == 0 else {
            throw Failure("socketpair: \(String(cString: strerror(errno)))")
        }
        defer { close(fds[1]) }
        do {
            return (try spawn(executable, arguments, outputFD: fds[1]), fds[0])
        } catch {
            close(fds[0])
            throw error
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

    /// Copies `fd` to `sink` until EOF, then closes it.
    private static func pump(_ fd: Int32, into sink: (Data) -> Void) {
        var buffer = [UInt8](repeating: 0, count: 16384)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            sink(Data(buffer.prefix(count)))
        }
        close(fd)
    }

    /// Whether the listener still runs; reaps it (and records its status) once it has exited.
    private func listenerRunningLocked() -> Bool {
        guard let pid = listenerPID else { return false }
        if listenerPIDReaped { return false }
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        if result == pid {
            lastExitStatus = ChildExit.code(status)
            listenerPIDReaped = true
            return false
        }
        return result == 0
    }

    private func appendLog(_ data: Data) {
        lock.withLock {
            logFile?.write(data)
            logText += String(decoding: data, as: UTF8.self)
        }
    }

    /// Whether the log reader has seen EOF; guarded by the reader's `NSCondition`.
    private final class ReaderState: @unchecked Sendable {
        var done = false
    }

    // MARK: Static helpers

    /// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, read back, closed).
    public static func freePort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure("socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var address = TestClient.loopbackAddress(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else { throw Failure("bind: \(String(cString: strerror(errno)))") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw Failure("getsockname: \(String(cString: strerror(errno)))") }
        return UInt16(bigEndian: address.sin_port)
    }

    /// See ``listeners(port:)``.
    public static func listeners(port: UInt16) -> [String] {
        Set(Listener.readProcNet().listeners.filter { $0.port == port }.map { "\($0.address)" }).sorted()
    }

    private func nextFileNumber() -> Int {
        lock.withLock {
            fileCounter += 1
            return fileCounter
        }
    }

    private func logTail(lines: Int = 40) -> String {
        log.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }

    private static func currentUserName() -> String {
        if let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name {
            return String(cString: name)
        }
        return ProcessInfo.processInfo.environment["USER"] ?? "root"
    }

    /// Whether 127.0.0.1:`port` accepts and answers with an SSH banner. Waiting for the banner
    /// means sshd has forked the connection's child, so the caller can wait for it to go.
    private static func canConnect(port: UInt16) -> Bool {
        guard let fd = try? TestClient.connect(port: port, timeout: .seconds(2)) else { return false }
        defer { close(fd) }
        guard let banner = try? TestClient.receive(fd, maximum: 256) else { return false }
        return banner.starts(with: Array("SSH-".utf8))
    }

    /// Live (not zombie) descendants of `root`, from the parent pids in `/proc/*/stat`.
    public static func descendants(of root: Int32) -> [Int32] {
        var children: [Int32: [Int32]] = [:]
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for entry in entries {
            guard let pid = Int32(entry), let (state, parent) = stat(pid), state != "Z", state != "X" else { continue }
            children[parent, default: []].append(pid)
        }
        var result: [Int32] = []
        var queue = children[root] ?? []
        var seen = Set<Int32>([root])
        while let pid = queue.popLast() {
            guard seen.insert(pid).inserted else { continue }
            result.append(pid)
            queue += children[pid] ?? []
        }
        return result.sorted()
    }

    /// Whether `pid` exists and is not a zombie.
    public static func isAlive(_ pid: Int32) -> Bool {
        guard let (state, _) = stat(pid) else { return false }
        return state != "Z" && state != "X"
    }

    /// The state letter and parent pid from `/proc/<pid>/stat`.
    private static func stat(_ pid: Int32) -> (Character, Int32)? {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/stat") else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        // "pid (comm) S ppid ..."; comm may contain spaces and parentheses, so cut at the last ')'.
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count >= 2, let state = fields[0].first, let parent = Int32(fields[1]) else { return nil }
        return (state, parent)
    }
}
