import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A TCP listener on 127.0.0.1 (a free port) that, once started, accepts on one thread and hands
/// every connection to `serve` on a thread of its own; the shared core of the HTTP test servers.
///
/// The listener closes each connection after `serve` returns. `stop()` shuts down the listening
/// socket and every open connection, which wakes the threads blocked on them.
final class LoopbackListener: @unchecked Sendable {
    // `lock` guards `connections`, `started` and `stopped`. Connections are closed under the lock, so `stop()`
    // never shuts down a descriptor number that was closed and reused meanwhile.

    /// The port on 127.0.0.1.
    let port: UInt16
    private let listenFD: Int32
    private let lock = NSLock()
    private var connections = Set<Int32>()
    private var started = false
    private var stopped = false
    private let name: String

    /// Binds 127.0.0.1:0 and listens; `name` names the threads and errors.
    init(name: String) throws {
        self.name = name
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw TestClient.Failure("socket: \(TestClient.errorText())") }
        var address = TestClient.loopbackAddress(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 && listen(fd, 128) == 0
            }
        }
        guard ok else {
            let message = TestClient.errorText()
            close(fd)
            throw TestClient.Failure("\(name) cannot listen: \(message)")
        }
        listenFD = fd
        port = UInt16(bigEndian: address.sin_port)
    }

    deinit {
        stop()
    }

    /// Starts accepting connections, each served by `serve` on a new thread. Call it once.
    func start(serve: @escaping @Sendable (Int32) -> Void) {
        let go = lock.withLock {
            guard !started && !stopped else { return false }
            started = true
            return true
        }
        guard go else { return }
        let thread = Thread { [self] in acceptLoop(serve: serve) }
        thread.name = "\(name)-\(port)-accept"
        thread.start()
    }

    /// Stops listening and shuts down every open connection. Idempotent.
    func stop() {
        lock.withLock {
            guard !stopped else { return }
            stopped = true
            shutdown(listenFD, Int32(SHUT_RDWR))
            // Once started, the accept thread closes the listening socket when accept() fails.
            if !started { close(listenFD) }
            for fd in connections { shutdown(fd, Int32(SHUT_RDWR)) }
        }
    }

    private func acceptLoop(serve: @escaping @Sendable (Int32) -> Void) {
        while true {
            let fd = accept(listenFD, nil, nil)
            if fd < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                if errno == EINVAL || errno == EBADF { break }  // shut down by stop()
                usleep(10_000)  // e.g. EMFILE: retry
                continue
            }
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            guard register(fd) else {
                close(fd)
                break
            }
            let worker = Thread { [self] in
                serve(fd)
                unregister(fd)
            }
            worker.name = "\(name)-\(port)-conn"
            worker.start()
        }
        close(listenFD)
    }

    private func register(_ fd: Int32) -> Bool {
        lock.withLock {
            guard !stopped else { return false }
            connections.insert(fd)
            return true
        }
    }

    private func unregister(_ fd: Int32) {
        lock.withLock {
            connections.remove(fd)
            close(fd)
        }
    }
}
