import Glibc
import Synchronization

/// Tells a thread of its own (a tunnel's, a managed bridge's) to stop, and wakes its poll(2) at
/// once: a flag plus a self-pipe. Once stopped, the descriptor stays readable.
public final class StopSignal: Sendable {
    /// The descriptor to poll for readability.
    public let fd: Int32
    private let writeFD: Int32
    private let flag = Atomic<Bool>(false)

    /// A signal not raised yet.
    public init() {
        var fds: [Int32] = [0, 0]
        // A socketpair, not a pipe: it takes SOCK_CLOEXEC atomically, so no child spawned on
        // another thread meanwhile inherits it.
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
        precondition(socketpair(AF_UNIX, type, 0, &fds) == 0, "socketpair failed: \(String(cString: strerror(errno)))")
        fd = fds[0]
        writeFD = fds[1]
    }

    deinit {
        close(fd)
        close(writeFD)
    }

    /// Whether a stop was requested.
    public var isStopped: Bool { flag.load(ordering: .acquiring) }

    /// Requests a stop and wakes the thread.
    public func stop() {
        flag.store(true, ordering: .releasing)
        var byte: UInt8 = 1
        _ = write(writeFD, &byte, 1)
    }

    /// Sleeps up to `duration`, returning early (true) when a stop is requested.
    public func sleep(_ duration: Duration) -> Bool {
        let deadline = ContinuousClock.now + duration
        while !isStopped {
            let remaining = deadline - .now
            if remaining <= .zero { return false }
            var pollfd = Glibc.pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            _ = poll(&pollfd, 1, min(remaining, .seconds(1)).pollTimeout)
        }
        return true
    }
}
