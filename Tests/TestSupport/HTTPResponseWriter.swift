import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Writes HTTP/1.1 responses to a blocking socket, for the loopback test servers: whole bodies
/// with `Content-Length`, and chunked `text/event-stream` bodies one HTTP chunk at a time.
/// Every response says `Connection: close`; send errors are ignored or reported as `false` (the
/// peer went away, which a test server only needs to notice).
enum HTTPResponseWriter {
    /// A response with `Content-Length`; with `cutAfterHalf`, sends only half the body and cuts
    /// the connection.
    static func respond(
        _ fd: Int32, status: Int, body: String, contentType: String = "application/json", cutAfterHalf: Bool = false,
        headers: [String: String] = [:]
    ) {
        let bytes = Array(body.utf8)
        let extra = headers.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)\r\n" }.joined()
        let head = "HTTP/1.1 \(status) \(reason(status))\r\nContent-Type: \(contentType)\r\n" + extra
            + "Content-Length: \(bytes.count)\r\nConnection: close\r\n\r\n"
        try? TestClient.sendAll(fd, Array(head.utf8) + (cutAfterHalf ? Array(bytes.prefix(bytes.count / 2)) : bytes))
        if cutAfterHalf { cut(fd) }
    }

    /// Sends the head of a `200 OK` chunked `text/event-stream`; `false` if the peer is gone.
    static func startEventStream(_ fd: Int32) -> Bool {
        let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\nCache-Control: no-cache\r\n"
            + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        return (try? TestClient.sendAll(fd, Array(head.utf8))) != nil
    }

    /// Sends `text` as one HTTP chunk; `false` if the peer is gone.
    static func sendChunk(_ fd: Int32, _ text: String) -> Bool {
        let bytes = Array(text.utf8)
        let chunk = Array(String(bytes.count, radix: 16).utf8) + [13, 10] + bytes + [13, 10]
        return (try? TestClient.sendAll(fd, chunk)) != nil
    }

    /// Sends the last chunk, which ends a chunked body.
    static func endChunkedBody(_ fd: Int32) {
        try? TestClient.sendAll(fd, Array("0\r\n\r\n".utf8))
    }

    /// Shuts the connection down both ways mid-response, so the client sees a body cut short.
    static func cut(_ fd: Int32) {
        shutdown(fd, Int32(SHUT_RDWR))
    }

    /// Compact JSON with sorted keys; the objects the test servers build always serialize.
    static func encode(_ object: Any) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    /// The reason phrase of `status`.
    static func reason(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 204: "No Content"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 413: "Payload Too Large"
        case 422: "Unprocessable Entity"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        case 529: "Overloaded"
        default: "Status"
        }
    }
}
