import Glibc
import Synchronization

/// Tells a managed bridge's thread to stop and wakes its poll(2) at once: a flag plus a self-pipe.
/// Once raised, the descriptor stays readable.
final class WakeSignal: Sendable {
    /// The descriptor to poll for readability.
    let fd: Int32
    private let writeFD: Int32
    private let flag = Atomic<Bool>(false)

    init() {
        var fds: [Int32] = [-1, -1]
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

    /// Whether the signal was raised.
    var isRaised: Bool { flag.load(ordering: .acquiring) }

    /// Raises the signal and wakes the thread.
    func raise() {
        guard !flag.exchange(true, ordering: .acquiringAndReleasing) else { return }
        var byte: UInt8 = 1
        _ = write(writeFD, &byte, 1)
    }

    /// Sleeps until `deadline`, returning early (true) when the signal is raised.
    func sleep(until deadline: ContinuousClock.Instant) -> Bool {
        while !isRaised {
            let remaining = deadline - .now
            if remaining <= .zero { return false }
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let capped = min(remaining, .seconds(1))
            let milliseconds = Int32(capped.components.seconds * 1000 + (capped.components.attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000)
            _ = poll(&descriptor, 1, max(1, milliseconds))
        }
        return true
    }
}
