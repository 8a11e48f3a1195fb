import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Tiny blocking TCP and HTTP/1.1 clients for loopback tests.
///
/// Every call has a timeout and throws ``Failure`` rather than hanging. Writes use
/// `MSG_NOSIGNAL`, so a peer that goes away never raises SIGPIPE in the test process.
public enum TestClient {
    /// Why a client call failed.
    public struct Failure: Error, CustomStringConvertible {
        /// What went wrong.
        public let description: String

        /// Makes a failure with the given message.
        public init(_ description: String) { self.description = description }
    }

    /// Connects to 127.0.0.1:`port` and returns the blocking socket.
    ///
    /// Reads and writes on the socket time out after `timeout` (SO_RCVTIMEO/SO_SNDTIMEO).
    /// The caller closes it with `close(_:)`.
    public static func connect(port: UInt16, timeout: Duration = .seconds(5)) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure("socket: \(errorText())") }
        do {
            let flags = fcntl(fd, F_GETFL)
            _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
            var address = loopbackAddress(port: port)
            let result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            if result != 0 {
                guard errno == EINPROGRESS else { throw Failure("connect to 127.0.0.1:\(port): \(errorText())") }
                var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                let ready = poll(&pfd, 1, milliseconds(timeout))
                guard ready > 0 else { throw Failure("connect to 127.0.0.1:\(port) timed out after \(timeout)") }
                var error: Int32 = 0
                var length = socklen_t(MemoryLayout<Int32>.size)
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
                guard error == 0 else {
                    throw Failure("connect to 127.0.0.1:\(port): \(String(cString: strerror(error)))")
                }
            }
            _ = fcntl(fd, F_SETFL, flags & ~O_NONBLOCK)
            setTimeouts(fd, timeout)
            return fd
        } catch {
            close(fd)
            throw error
        }
    }

    /// Writes all of `bytes`, retrying short writes.
    public static func sendAll(_ fd: Int32, _ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { raw in
                send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
            }
            if sent < 0 {
                if errno == EINTR { continue }
                throw Failure("send: \(errorText())")
            }
            offset += sent
        }
    }

    /// One read of up to `maximum` bytes; empty at EOF. Throws on error or timeout.
    public static func receive(_ fd: Int32, maximum: Int = 65536) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: maximum)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK { throw Failure("recv timed out") }
                throw Failure("recv: \(errorText())")
            }
            return Array(buffer.prefix(count))
        }
    }

    /// Reads until the peer's EOF.
    public static func readToEOF(_ fd: Int32) throws -> [UInt8] {
        var result: [UInt8] = []
        while true {
            let chunk = try receive(fd)
            if chunk.isEmpty { return result }
            result += chunk
        }
    }

    /// Shuts down the write side (sends FIN); the read side stays open.
    public static func shutdownWrite(_ fd: Int32) {
        shutdown(fd, Int32(SHUT_WR))
    }

    /// Connects, sends `bytes`, half-closes (shuts down its write side) and reads until EOF.
    ///
    /// Sending and receiving are interleaved, so `bytes` may be larger than the socket buffers.
    /// Against an echo server the result equals `bytes` exactly when half-close propagates.
    public static func echo(port: UInt16, bytes: [UInt8], timeout: Duration = .seconds(10)) throws -> [UInt8] {
        let fd = try connect(port: port, timeout: timeout)
        defer { close(fd) }
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
        let deadline = ContinuousClock.now + timeout
        var offset = 0
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        if bytes.isEmpty { shutdownWrite(fd) }
        while true {
            let left = deadline - ContinuousClock.now
            guard left > .zero else {
                throw Failure("echo on port \(port) timed out: sent \(offset)/\(bytes.count), received \(received.count)")
            }
            var events = Int16(POLLIN)
            if offset < bytes.count { events |= Int16(POLLOUT) }
            var pfd = pollfd(fd: fd, events: events, revents: 0)
            let ready = poll(&pfd, 1, min(milliseconds(left), 100))
            if ready < 0 && errno != EINTR { throw Failure("poll: \(errorText())") }
            if ready <= 0 { continue }
            if offset < bytes.count && pfd.revents & Int16(POLLOUT) != 0 {
                let sent = bytes.withUnsafeBytes { raw in
                    send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                }
                if sent < 0 && errno != EAGAIN && errno != EINTR { throw Failure("send: \(errorText())") }
                if sent > 0 {
                    offset += sent
                    if offset == bytes.count { shutdownWrite(fd) }
                }
            }
            if pfd.revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 {
                let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if count == 0 {
                    guard offset == bytes.count else {
                        throw Failure("echo on port \(port): EOF after sending only \(offset)/\(bytes.count)")
                    }
                    return received
                }
                if count < 0 {
                    if errno == EAGAIN || errno == EINTR { continue }
                    throw Failure("recv: \(errorText())")
                }
                received += buffer.prefix(count)
            }
        }
    }

    /// `GET path` over HTTP/1.1 with `Connection: close`.
    ///
    /// - Returns: the status code, the headers (names lower-cased), the whole body (de-chunked
    ///   when the response is chunked) and, for every read that carried body bytes, the time
    ///   since the request was sent and the body bytes that read delivered — so a test can
    ///   see a stream arrive in pieces.
    public static func httpGet(
        port: UInt16, path: String, timeout: Duration = .seconds(10)
    ) throws -> (status: Int, headers: [String: String], body: [UInt8], chunks: [(at: Duration, bytes: [UInt8])]) {
        let fd = try connect(port: port, timeout: timeout)
        defer { close(fd) }
        let request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n\r\n"
        let start = ContinuousClock.now
        try sendAll(fd, Array(request.utf8))

        var raw: [UInt8] = []
        var reads: [(at: Duration, end: Int)] = []
        var head: (status: Int, headers: [String: String], bodyStart: Int)?
        let deadline = start + timeout
        while true {
            guard ContinuousClock.now < deadline else { throw Failure("GET \(path) on port \(port) timed out") }
            let chunk = try receive(fd)
            if chunk.isEmpty { break }
            raw += chunk
            reads.append((ContinuousClock.now - start, raw.count))
            if head == nil { head = try parseHead(raw) }
            if let head, try bodyComplete(raw, head) { break }
        }
        guard let head else { throw Failure("GET \(path): connection closed before a complete response head") }

        // Body segments as (offset in raw, length); chunked framing is stripped.
        let segments: [(offset: Int, length: Int)]
        if head.headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
            guard let decoded = try dechunk(raw, from: head.bodyStart), decoded.complete else {
                throw Failure("GET \(path): chunked body ended early")
            }
            segments = decoded.segments
        } else if let lengthText = head.headers["content-length"], let length = Int(lengthText) {
            guard raw.count - head.bodyStart >= length else {
                throw Failure("GET \(path): body has \(raw.count - head.bodyStart) of \(length) bytes")
            }
            segments = [(head.bodyStart, length)]
        } else {
            segments = [(head.bodyStart, raw.count - head.bodyStart)]
        }

        var body: [UInt8] = []
        var perRead = [[UInt8]](repeating: [], count: reads.count)
        for segment in segments {
            body += raw[segment.offset..<segment.offset + segment.length]
            var position = segment.offset
            let end = segment.offset + segment.length
            while position < end {
                let index = reads.firstIndex(where: { $0.end > position })!
                let stop = min(end, reads[index].end)
                perRead[index] += raw[position..<stop]
                position = stop
            }
        }
        var chunks: [(at: Duration, bytes: [UInt8])] = []
        for (index, bytes) in perRead.enumerated() where !bytes.isEmpty {
            chunks.append((reads[index].at, bytes))
        }
        return (head.status, head.headers, body, chunks)
    }

    // MARK: Internals

    /// `sockaddr_in` for 127.0.0.1:`port`.
    static func loopbackAddress(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return address
    }

    static func setTimeouts(_ fd: Int32, _ timeout: Duration) {
        let total = milliseconds(timeout)
        var value = timeval(tv_sec: time_t(total / 1000), tv_usec: suseconds_t(total % 1000 * 1000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
    }

    static func milliseconds(_ duration: Duration) -> Int32 {
        let (seconds, attoseconds) = duration.components
        let total = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        return Int32(clamping: max(total, 1))
    }

    static func errorText() -> String {
        String(cString: strerror(errno))
    }

    private static func parseHead(_ raw: [UInt8]) throws -> (status: Int, headers: [String: String], bodyStart: Int)? {
        guard let end = find([13, 10, 13, 10], in: raw, from: 0) else { return nil }
        let text = String(decoding: raw[..<end], as: UTF8.self)
        var lines = text.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst()
        let parts = statusLine.split(separator: " ")
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/"), let status = Int(parts[1]) else {
            throw Failure("bad status line: \(statusLine)")
        }
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return (status, headers, end + 4)
    }

    private static func bodyComplete(_ raw: [UInt8], _ head: (status: Int, headers: [String: String], bodyStart: Int)) throws -> Bool {
        if head.headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
            return try dechunk(raw, from: head.bodyStart)?.complete ?? false
        }
        if let lengthText = head.headers["content-length"], let length = Int(lengthText) {
            return raw.count - head.bodyStart >= length
        }
        return false
    }

    /// Walks chunked framing from `start`. Returns the data segments seen so far and whether the
    /// terminating zero-size chunk (and its final CRLF) has arrived.
    private static func dechunk(_ raw: [UInt8], from start: Int) throws -> (segments: [(offset: Int, length: Int)], complete: Bool)? {
        var segments: [(offset: Int, length: Int)] = []
        var position = start
        while true {
            guard let lineEnd = find([13, 10], in: raw, from: position) else { return (segments, false) }
            let sizeText = String(decoding: raw[position..<lineEnd], as: UTF8.self)
                .split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            guard let size = Int(sizeText, radix: 16) else { throw Failure("bad chunk size line: \(sizeText)") }
            let dataStart = lineEnd + 2
            if size == 0 {
                // Trailers (none expected) end with an empty line.
                guard find([13, 10], in: raw, from: dataStart) != nil else { return (segments, false) }
                return (segments, true)
            }
            let available = min(size, raw.count - dataStart)
            if available > 0 { segments.append((dataStart, available)) }
            guard raw.count >= dataStart + size + 2 else { return (segments, false) }
            position = dataStart + size + 2
        }
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard haystack.count >= needle.count, start <= haystack.count - needle.count else { return nil }
        var index = start
        while index <= haystack.count - needle.count {
            if haystack[index] == needle[0] && Array(haystack[index..<index + needle.count]) == needle {
                return index
            }
            index += 1
        }
        return nil
    }
}
