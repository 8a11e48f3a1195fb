import Glibc

/// The process's limit on open files (`RLIMIT_NOFILE`). A gateway holding thousands of streams
/// needs two descriptors per stream (the client's and the bridge's); outside systemd (which sets
/// `LimitNOFILE=` from the unit) the soft limit is often 1024 while the hard one allows far more.
public enum OpenFileLimit {
    /// Raises the soft limit to the hard one; returns the soft limit in effect afterwards.
    @discardableResult
    public static func raise() -> UInt64 {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 0 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { return UInt64(raised.rlim_max) }
        }
        return UInt64(limit.rlim_cur)
    }
}
