import Foundation
import Glibc
public import Policy

/// Asks a running daemon for its status over the loopback control endpoint (plain HTTP/1.1 on a
/// socket: no proxy settings apply, nothing leaves the host).
public enum ControlClient {
    /// Why the daemon could not be asked.
    public struct Unreachable: Error, CustomStringConvertible {
        public let description: String
    }

    /// `GET /v1/status` from the control endpoint at `address`.
    public static func status(at address: BindAddress, timeout: Duration = .seconds(5)) throws(Unreachable) -> StatusReport {
        let body = try get("/v1/status", at: address, timeout: timeout)
        do {
            return try StatusReport.decoder.decode(StatusReport.self, from: Data(body))
        } catch {
            throw Unreachable(description: "\(address) answered, but not with a status report: \(error)")
        }
    }

    private static func get(_ path: String, at address: BindAddress, timeout: Duration) throws(Unreachable) -> [UInt8] {
        let fd = socket(address.withSocketAddress { family, _, _ in family }, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Unreachable(description: "socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let deadline = ContinuousClock.now + timeout
        let connected = address.withSocketAddress { _, pointer, length in connect(fd, pointer, length) }
        guard connected == 0 else {
            throw Unreachable(description: "no daemon answers on \(address) (\(String(cString: strerror(errno))))")
        }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: \(address)\r\nConnection: close\r\n\r\n".utf8)
        guard send(fd, request, request.count, Int32(MSG_NOSIGNAL)) == request.count else {
            throw Unreachable(description: "\(address): cannot send the request")
        }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            try awaitReadable(fd, until: deadline, from: address)
            let count = recv(fd, &buffer, buffer.count, 0)
            if count == 0 { break }
            guard count > 0 else { throw Unreachable(description: "\(address): \(String(cString: strerror(errno)))") }
            response += buffer[0..<count]
        }
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = (0..<max(0, response.count - 3)).first(where: { Array(response[$0..<$0 + 4]) == separator }) else {
            throw Unreachable(description: "\(address) sent no HTTP response")
        }
        let head = String(decoding: response[..<end], as: UTF8.self)
        guard head.hasPrefix("HTTP/1.1 200") else {
            throw Unreachable(description: "\(address) answered \(head.split(separator: "\r\n").first ?? "")")
        }
        var body = Array(response[(end + 4)...])
        if head.lowercased().contains("transfer-encoding: chunked") { body = dechunk(body) }
        return body
    }

    /// Waits until `fd` has something to read (or EOF), or the deadline passes.
    private static func awaitReadable(_ fd: Int32, until deadline: ContinuousClock.Instant, from address: BindAddress) throws(Unreachable) {
        while true {
            let left = ContinuousClock.now.duration(to: deadline)
            let milliseconds = left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000
            guard milliseconds > 0 else { throw Unreachable(description: "\(address) did not answer in time") }
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, Int32(min(milliseconds, Int64(Int32.max))))
            if ready > 0 { return }
            if ready < 0 && errno != EINTR { throw Unreachable(description: "\(address): \(String(cString: strerror(errno)))") }
        }
    }

    /// Strips HTTP/1.1 chunked framing.
    private static func dechunk(_ bytes: [UInt8]) -> [UInt8] {
        var result: [UInt8] = []
        var index = 0
        while index < bytes.count {
            guard let lineEnd = (index..<bytes.count - 1).first(where: { bytes[$0] == 13 && bytes[$0 + 1] == 10 }),
                let size = Int(String(decoding: bytes[index..<lineEnd], as: UTF8.self).split(separator: ";")[0], radix: 16),
                size > 0
            else { break }
            let start = lineEnd + 2
            result += bytes[start..<min(start + size, bytes.count)]
            index = start + size + 2
        }
        return result
    }
}
