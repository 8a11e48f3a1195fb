import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A loopback HTTP/1.1 server (127.0.0.1, a free port) whose answer the test sets and changes at
/// will, and which records every request: a fake bridge for probes, a webhook receiver.
/// One request per connection (`Connection: close`); one thread per connection.
public final class StubHTTPServer: @unchecked Sendable {
    /// What the server does with the next requests.
    public enum Reply: Sendable {
        /// Answers with this status, body and content type.
        case respond(status: Int, body: String, contentType: String = "application/json")
        /// Reads the request, then closes the connection without a byte of reply.
        case closeWithoutReply
        /// Reads the request and never answers (until the client gives up or the server stops).
        case silent
    }

    /// One request as received.
    public struct Request: Sendable {
        public let method: String
        public let path: String
        /// Header names lowercased.
        public let headers: [String: String]
        public let body: String
    }

    /// The port on 127.0.0.1.
    public let port: UInt16
    private let listenFD: Int32
    private let lock = NSLock()
    private var currentReply: Reply
    private var received: [Request] = []
    private var connections = Set<Int32>()
    private var stopped = false

    /// Listens on 127.0.0.1:0 and answers every request with `reply` until told otherwise.
    public init(reply: Reply) throws {
        currentReply = reply
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
            throw TestClient.Failure("StubHTTPServer cannot listen: \(message)")
        }
        listenFD = fd
        port = UInt16(bigEndian: address.sin_port)
        let thread = Thread { [weak self, fd] in
            while true {
                let connection = accept(fd, nil, nil)
                if connection < 0 {
                    if errno == EINTR || errno == ECONNABORTED { continue }
                    return
                }
                _ = fcntl(connection, F_SETFD, FD_CLOEXEC)
                guard let self, self.register(connection) else {
                    close(connection)
                    return
                }
                let worker = Thread { [self] in
                    self.serve(connection)
                    self.unregister(connection)
                }
                worker.start()
            }
        }
        thread.name = "StubHTTPServer-\(port)"
        thread.start()
    }

    deinit { stop() }

    /// `http://127.0.0.1:PORT`.
    public var url: String { "http://127.0.0.1:\(port)" }

    /// Changes the answer for requests from now on.
    public var reply: Reply {
        get { lock.withLock { currentReply } }
        set { lock.withLock { currentReply = newValue } }
    }

    /// The requests received so far, oldest first.
    public var requests: [Request] { lock.withLock { received } }

    /// Stops listening and closes every connection.
    public func stop() {
        let open: Set<Int32>? = lock.withLock {
            guard !stopped else { return nil }
            stopped = true
            return connections
        }
        guard let open else { return }
        shutdown(listenFD, Int32(SHUT_RDWR))
        close(listenFD)
        for fd in open { shutdown(fd, Int32(SHUT_RDWR)) }
    }

    private func register(_ fd: Int32) -> Bool {
        lock.withLock {
            guard !stopped else { return false }
            connections.insert(fd)
            return true
        }
    }

    private func unregister(_ fd: Int32) {
        lock.withLock { _ = connections.remove(fd) }
        close(fd)
    }

    private func serve(_ fd: Int32) {
        TestClient.setTimeouts(fd, .seconds(30))
        guard let request = Self.readRequest(fd) else { return }
        let reply = lock.withLock {
            received.append(request)
            return currentReply
        }
        switch reply {
        case .respond(let status, let body, let contentType):
            let bytes = Array(body.utf8)
            let head = "HTTP/1.1 \(status) Stub\r\nContent-Type: \(contentType)\r\nContent-Length: \(bytes.count)\r\nConnection: close\r\n\r\n"
            try? TestClient.sendAll(fd, Array(head.utf8) + bytes)
        case .closeWithoutReply:
            return
        case .silent:
            while let chunk = try? TestClient.receive(fd), !chunk.isEmpty {}
        }
    }

    private static func readRequest(_ fd: Int32) -> Request? {
        var bytes: [UInt8] = []
        let separator = Array("\r\n\r\n".utf8)
        var headEnd: Int?
        while headEnd == nil {
            guard let chunk = try? TestClient.receive(fd), !chunk.isEmpty else { return nil }
            bytes += chunk
            headEnd = bytes.indices.dropLast(3).first { bytes[$0..<$0 + 4].elementsEqual(separator) }
        }
        guard let headEnd else { return nil }
        let lines = String(decoding: bytes[..<headEnd], as: UTF8.self).components(separatedBy: "\r\n")
        let start = lines[0].split(separator: " ")
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let length = Int(headers["content-length"] ?? "0") ?? 0
        var body = Array(bytes[(headEnd + 4)...])
        while body.count < length {
            guard let chunk = try? TestClient.receive(fd), !chunk.isEmpty else { break }
            body += chunk
        }
        return Request(
            method: start.first.map(String.init) ?? "", path: start.dropFirst().first.map(String.init) ?? "",
            headers: headers, body: String(decoding: body, as: UTF8.self))
    }
}
