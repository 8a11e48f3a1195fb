import CLinux
public import Glibc

/// Starts a program the daemon runs (a managed bridge, a proxy command, the demo's processes) the
/// one way they are all started: in a process group of its own (so its whole tree can be
/// signalled, and a terminal's Ctrl-C does not reach it), every signal at its default disposition
/// and none blocked (the daemon ignores or blocks some, SIGTERM and SIGPIPE, and ignored
/// dispositions would otherwise survive `exec`), and no descriptor but its 0, 1 and 2: a socket
/// of the daemon's that is not close-on-exec — a listener on a wildcard address, a client's
/// connection — never reaches a child, where it would be reachable through it, or make a managed
/// bridge look exposed.
public enum ProcessGroupSpawn {
    /// What one of the child's standard descriptors is.
    public enum Stream: Sendable {
        /// `/dev/null`, read-only for stdin, write-only otherwise.
        case null
        /// A descriptor of ours (or, for stderr, the child's own 1).
        case descriptor(Int32)
        /// A file appended to, created 0600 if missing.
        case appending(to: String)
    }

    /// Why `posix_spawn` failed: its error number.
    public struct Failure: Error, CustomStringConvertible {
        /// The error number.
        public let code: Int32
        /// `No such file or directory`.
        public var description: String { String(cString: strerror(code)) }
    }

    /// Spawns `arguments`: `executable` (by default `arguments[0]`, looked up in `PATH` when it has
    /// no slash) with `environment` (nil: this process's whole environment), and stdin, stdout and
    /// stderr set up in that order. Returns the child's pid, which is also its process group.
    public static func spawn(
        _ arguments: [String], executable: String? = nil, environment: ChildEnvironment?,
        stdin: Stream, stdout: Stream, stderr: Stream
    ) throws(Failure) -> pid_t {
        guard let program = executable ?? arguments.first, !program.isEmpty else { throw Failure(code: ENOENT) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (target, stream) in [(Int32(0), stdin), (1, stdout), (2, stderr)] {
            switch stream {
            case .null: posix_spawn_file_actions_addopen(&actions, target, "/dev/null", target == 0 ? O_RDONLY : O_WRONLY, 0)
            case .descriptor(let fd): posix_spawn_file_actions_adddup2(&actions, fd, target)
            case .appending(let path): posix_spawn_file_actions_addopen(&actions, target, path, O_WRONLY | O_CREAT | O_APPEND, 0o600)
            }
        }
        bk_spawn_addclosefrom(&actions, 3)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        func start(_ envp: UnsafePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
            program.contains("/")
                ? posix_spawn(&child, program, &actions, &attributes, argv, envp)
                : posix_spawnp(&child, program, &actions, &attributes, argv, envp)
        }
        let status = environment.map { $0.withEnvp { start($0) } } ?? start(environ)
        guard status == 0 else { throw Failure(code: status) }
        return child
    }
}
