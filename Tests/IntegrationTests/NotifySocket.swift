import Foundation
import Glibc
import TestSupport

/// The listening end of `NOTIFY_SOCKET`, as systemd holds it: an AF_UNIX datagram socket bound in a
/// directory. A thread of its own receives every message with the time it arrived and runs
/// `onMessage` right then, before the next message is read. Call `stop()` when done.
final class NotifySocket: @unchecked Sendable {
    /// One datagram: its text (newline-separated assignments) and when it arrived.
    struct Message: Sendable {
        let text: String
        let at: ContinuousClock.Instant

        /// Whether it holds the assignment `line` (e.g. `READY=1`).
        func has(_ line: String) -> Bool { text.split(separator: "\n").contains { $0 == line } }
    }

    /// The socket's path, for `NOTIFY_SOCKET`.
    let path: String
    private let fd: Int32
    private let onMessage: @Sendable (Message) -> Void
    // `lock` guards `received` and `stopped`.
    private let lock = NSCondition()
    private var received: [Message] = []
    private var stopped = false
    private var thread: Thread?

    /// Binds `directory/notify` and starts receiving.
    init(directory: String, onMessage: @escaping @Sendable (Message) -> Void = { _ in }) throws {
        path = directory + "/notify"
        self.onMessage = onMessage
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw TestClient.Failure("socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            close(fd)
            throw TestClient.Failure("socket path too long: \(path)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in raw.copyBytes(from: bytes) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else {
            close(fd)
            throw TestClient.Failure("bind \(path): \(String(cString: strerror(errno)))")
        }
        // Wake every 100 ms to notice stop().
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let thread = Thread { self.receive() }
        self.thread = thread
        thread.start()
    }

    private func receive() {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            lock.lock()
            let done = stopped
            lock.unlock()
            if done { return }
            let count = recv(fd, &buffer, buffer.count, 0)
            guard count > 0 else { continue }
            let message = Message(text: String(decoding: buffer[0..<count], as: UTF8.self), at: .now)
            onMessage(message)
            lock.lock()
            received.append(message)
            lock.broadcast()
            lock.unlock()
        }
    }

    /// Every message so far, in order.
    var messages: [Message] {
        lock.lock()
        defer { lock.unlock() }
        return received
    }

    /// Waits until a message holds `line` and returns the first that does; nil at the deadline.
    func wait(for line: String, timeout: Duration) -> Message? {
        let deadline = Date().addingTimeInterval(Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18)
        lock.lock()
        defer { lock.unlock() }
        while true {
            if let message = received.first(where: { $0.has(line) }) { return message }
            if !lock.wait(until: deadline) { return received.first { $0.has(line) } }
        }
    }

    /// Stops receiving, closes the socket and removes its file.
    func stop() {
        lock.lock()
        stopped = true
        lock.unlock()
        while let thread, !thread.isFinished { usleep(10_000) }
        thread = nil
        close(fd)
        unlink(path)
    }
}
