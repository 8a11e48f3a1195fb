public import Glibc

/// How a child process ended, read with `waitpid` and said in words: `exited with status 1`,
/// `killed by signal 9`.
public enum ChildExit {
    /// Reaps `pid` if it has ended, or (`blocking`) once it ends; how it ended, or nil while it
    /// runs. A child someone else reaped (ECHILD: a `waitpid(-1)` elsewhere) has ended too.
    public static func reap(_ pid: pid_t, blocking: Bool = false) -> String? {
        var status: Int32 = 0
        var result: pid_t
        repeat { result = waitpid(pid, &status, blocking ? 0 : WNOHANG) } while result < 0 && errno == EINTR
        if result == pid { return describe(status) }
        if result < 0 { return "ended (status unknown: \(String(cString: strerror(errno))))" }
        return nil
    }

    /// A `waitpid` status as a shell says it: the exit status, or 128 + the signal that killed it.
    public static func code(_ status: Int32) -> Int32 {
        let signal = status & 0x7F
        return signal == 0 ? (status >> 8) & 0xFF : 128 + signal
    }

    /// A `waitpid` status in words (WIFEXITED / WTERMSIG by hand: Swift does not import the macros).
    public static func describe(_ status: Int32) -> String {
        let signal = status & 0x7F
        return signal == 0 ? "exited with status \((status >> 8) & 0xFF)" : "killed by signal \(signal)"
    }
}
