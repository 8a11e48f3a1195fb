public import Glibc

/// `posix_spawn` attributes for a child that starts a process group of its own (so its whole
/// tree can be signalled, and a terminal's Ctrl-C does not reach it) with every signal at its
/// default disposition and none blocked: the daemon ignores or blocks some (SIGTERM, SIGPIPE),
/// and ignored dispositions would otherwise survive `exec`.
public enum ProcessGroupSpawn {
    /// Calls `body` with such attributes, destroyed afterwards.
    public static func withAttributes<Result>(_ body: (UnsafePointer<posix_spawnattr_t>) throws -> Result) rethrows -> Result {
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
        return try body(&attributes)
    }
}
