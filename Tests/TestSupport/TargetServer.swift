import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A loopback TCP server on 127.0.0.1 (a free port) for tunnels to point at.
///
/// Plain blocking POSIX sockets: one thread accepts, one thread serves each connection.
/// `stop()` closes the listener and every open connection; `deinit` stops it too.
public final class TargetServer: @unchecked Sendable {
    /// What the server does with a connection.
    public enum Behaviour: Sendable {
        /// Echoes every byte; after the peer's EOF, shuts down its own write side and closes,
        /// so a client that half-closes still receives everything, then EOF.
        case echo
        /// A minimal HTTP/1.1 server, one request per connection (`Connection: close`):
        /// `GET /stream` is a chunked `text/event-stream` of five events `data: 1\n\n` …
        /// `data: 5\n\n` written 50 ms apart; `GET /bytes/N` is N bytes of ``pattern(count:)``;
        /// anything else is `200 OK` with body `hello`.
        case http
    }

    /// The port on 127.0.0.1 the server listens on.
    public let port: UInt16
    /// What the server does with each connection.
    public let behaviour: Behaviour

    private let listenFD: Int32
    private let lock = NSLock()
    private var stopped = false
    private var connections = Set<Int32>()
    private var acceptedCount = 0

    /// Binds 127.0.0.1:0, listens and starts accepting on a background thread.
    public init(_ behaviour: Behaviour) throws {
        self.behaviour = behaviour
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw TestClient.Failure("socket: \(TestClient.errorText())") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = TestClient.loopbackAddress(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard bound == 0, named == 0, listen(fd, 128) == 0 else {
            let message = TestClient.errorText()
            close(fd)
            throw TestClient.Failure("TargetServer cannot listen: \(message)")
        }
        listenFD = fd
        port = UInt16(bigEndian: address.sin_port)

        // The threads hold the server only weakly, so dropping it runs deinit, which stops it.
        let register: @Sendable (Int32) -> Bool = { [weak self] fd in self?.register(fd) ?? false }
        let unregister: @Sendable (Int32) -> Void = { [weak self] fd in
            if let self { self.unregister(fd) } else { close(fd) }
        }
        let thread = Thread { [fd, behaviour, port] in
            Self.acceptLoop(fd, behaviour, port: port, register: register, unregister: unregister)
        }
        thread.name = "TargetServer-\(port)-accept"
        thread.start()
    }

    deinit {
        stop()
    }

    /// How many connections the server has accepted so far.
    public var acceptedConnections: Int {
        lock.withLock { acceptedCount }
    }

    /// Stops listening and closes every open connection. Idempotent.
    public func stop() {
        lock.withLock {
            guard !stopped else { return }
            stopped = true
            // shutdown() wakes the threads blocked in accept()/recv(); each closes its own descriptor.
            shutdown(listenFD, Int32(SHUT_RDWR))
            for fd in connections { shutdown(fd, Int32(SHUT_RDWR)) }
        }
    }

    /// The deterministic test pattern: byte `i` is the top byte of the 32-bit product
    /// `i &* 2654435761` (Knuth's multiplicative hash), so shifted or dropped data shows.
    public static func pattern(count: Int) -> [UInt8] { pattern(from: 0, count: count) }

    /// Bytes `offset..<offset+count` of ``pattern(count:)``.
    public static func pattern(from offset: Int, count: Int) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            var value = UInt32(truncatingIfNeeded: offset) &* 2_654_435_761
            for index in 0..<count {
                buffer[index] = UInt8(truncatingIfNeeded: value >> 24)
                value &+= 2_654_435_761
            }
            initialized = count
        }
    }

    // MARK: Serving

    private func register(_ fd: Int32) -> Bool {
        lock.withLock {
            guard !stopped else { return false }
            connections.insert(fd)
            acceptedCount += 1
            return true
        }
    }

    /// Forgets and closes a finished connection (under the lock, so `stop()` never shuts down a
    /// descriptor number that was closed and reused).
    private func unregister(_ fd: Int32) {
        lock.withLock {
            connections.remove(fd)
            close(fd)
        }
    }

    private static func acceptLoop(
        _ listenFD: Int32, _ behaviour: Behaviour, port: UInt16,
        register: @escaping @Sendable (Int32) -> Bool, unregister: @escaping @Sendable (Int32) -> Void
    ) {
        while true {
            let fd = accept(listenFD, nil, nil)
            if fd < 0 {
                if errno == EINVAL || errno == EBADF { break }  // shut down by stop()
                if errno != EINTR && errno != ECONNABORTED { usleep(10_000) }  // e.g. EMFILE: retry
                continue
            }
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            guard register(fd) else {
                close(fd)
                break
            }
            let thread = Thread {
                switch behaviour {
                case .echo: serveEcho(fd)
                case .http: serveHTTP(fd)
                }
                unregister(fd)
            }
            thread.name = "TargetServer-\(port)-conn"
            thread.start()
        }
        close(listenFD)
    }

    private static func serveEcho(_ fd: Int32) {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            guard (try? TestClient.sendAll(fd, Array(buffer.prefix(count)))) != nil else { return }
        }
        TestClient.shutdownWrite(fd)
    }

    private static func serveHTTP(_ fd: Int32) {
        TestClient.setTimeouts(fd, .seconds(10))
        var request: [UInt8] = []
        let terminator: [UInt8] = [13, 10, 13, 10]
        while !request.suffix(4).elementsEqual(terminator) && !containsTerminator(request) {
            guard let chunk = try? TestClient.receive(fd, maximum: 4096), !chunk.isEmpty else { return }
            request += chunk
        }
        let requestLine = String(decoding: request, as: UTF8.self).components(separatedBy: "\r\n").first ?? ""
        let parts = requestLine.split(separator: " ")
        let method = parts.first.map(String.init) ?? ""
        let path = parts.count > 1 ? String(parts[1]) : "/"

        do {
            if method == "GET" && path == "/stream" {
                try TestClient.sendAll(fd, Array((
                    "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
                    + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n").utf8))
                for n in 1...5 {
                    let event = Array("data: \(n)\n\n".utf8)
                    try TestClient.sendAll(fd, Array(String(event.count, radix: 16).utf8) + [13, 10] + event + [13, 10])
                    Thread.sleep(forTimeInterval: 0.05)
                }
                try TestClient.sendAll(fd, Array("0\r\n\r\n".utf8))
            } else if method == "GET" && path.hasPrefix("/bytes/"), let count = Int(path.dropFirst("/bytes/".count)), count >= 0 {
                try TestClient.sendAll(fd, Array((
                    "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                    + "Content-Length: \(count)\r\nConnection: close\r\n\r\n").utf8))
                var offset = 0
                while offset < count {
                    let piece = min(1 << 20, count - offset)
                    try TestClient.sendAll(fd, Self.pattern(from: offset, count: piece))
                    offset += piece
                }
            } else {
                try TestClient.sendAll(fd, Array((
                    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello").utf8))
            }
        } catch {
            return
        }
        // Half-close, then drain until the client closes, so close() never turns into a reset.
        TestClient.shutdownWrite(fd)
        TestClient.setTimeouts(fd, .seconds(2))
        while let chunk = try? TestClient.receive(fd), !chunk.isEmpty {}
    }

    private static func containsTerminator(_ bytes: [UInt8]) -> Bool {
        guard bytes.count >= 4 else { return false }
        for index in 0...(bytes.count - 4)
        where bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 && bytes[index + 3] == 10 {
            return true
        }
        return false
    }
}
