import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Reads one HTTP/1.1 request from a blocking socket, for the loopback test servers.
///
/// Bodies are read by `Content-Length` or de-chunked (`Transfer-Encoding: chunked`, as a proxy
/// streaming a body of unknown length sends it); `Expect: 100-continue` is answered.
enum HTTPRequestReader {
    /// One request as received; header names lowercased (the last of repeated headers wins).
    struct Request {
        var method: String
        var path: String
        var headers: [String: String]
        var body: [UInt8]

        var bodyText: String { String(decoding: body, as: UTF8.self) }
    }

    /// The next request on `fd`, or `nil` if the peer closed, timed out or sent no request head.
    /// A body cut short by the peer's EOF is returned as far as it arrived.
    static func read(_ fd: Int32) -> Request? {
        var bytes: [UInt8] = []
        var headEnd: Int?
        while headEnd == nil {
            guard let chunk = try? TestClient.receive(fd), !chunk.isEmpty else { return nil }
            bytes += chunk
            headEnd = find([13, 10, 13, 10], in: bytes, from: max(0, bytes.count - chunk.count - 3))
        }
        guard let headEnd else { return nil }
        let lines = String(decoding: bytes[..<headEnd], as: UTF8.self).components(separatedBy: "\r\n")
        let start = lines[0].split(separator: " ")
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var rest = Array(bytes[(headEnd + 4)...])
        if headers["expect"]?.lowercased() == "100-continue" && rest.isEmpty {
            try? TestClient.sendAll(fd, Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
        }
        let body: [UInt8]
        if headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
            body = readChunked(fd, buffered: &rest)
        } else {
            let length = Int(headers["content-length"] ?? "0") ?? 0
            while rest.count < length {
                guard let chunk = try? TestClient.receive(fd), !chunk.isEmpty else { break }
                rest += chunk
            }
            body = Array(rest.prefix(length))
        }
        return Request(
            method: start.first.map(String.init) ?? "", path: start.dropFirst().first.map(String.init) ?? "",
            headers: headers, body: body)
    }

    /// De-chunks a body whose first bytes are `buffered`, reading more from `fd` as needed.
    private static func readChunked(_ fd: Int32, buffered: inout [UInt8]) -> [UInt8] {
        var body: [UInt8] = []
        var position = 0
        func fill(_ count: Int) -> Bool {
            while buffered.count < count {
                guard let chunk = try? TestClient.receive(fd), !chunk.isEmpty else { return false }
                buffered += chunk
            }
            return true
        }
        while true {
            var lineEnd = find([13, 10], in: buffered, from: position)
            while lineEnd == nil {
                guard fill(buffered.count + 1) else { return body }
                lineEnd = find([13, 10], in: buffered, from: position)
            }
            guard let lineEnd else { return body }
            let sizeText = String(decoding: buffered[position..<lineEnd], as: UTF8.self)
                .split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            guard let size = Int(sizeText, radix: 16) else { return body }
            let dataStart = lineEnd + 2
            if size == 0 {
                // The final CRLF (no trailers expected); a client that omits it loses nothing.
                _ = fill(dataStart + 2)
                return body
            }
            guard fill(dataStart + size + 2) else {
                body += buffered[min(dataStart, buffered.count)...]
                return body
            }
            body += buffered[dataStart..<dataStart + size]
            position = dataStart + size + 2
        }
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard haystack.count >= needle.count, start <= haystack.count - needle.count else { return nil }
        for index in start...(haystack.count - needle.count)
        where haystack[index] == needle[0] && haystack[index..<index + needle.count].elementsEqual(needle) {
            return index
        }
        return nil
    }
}
