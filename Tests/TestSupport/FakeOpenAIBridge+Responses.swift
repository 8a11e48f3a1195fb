import Foundation

#if canImport(Glibc)
import Glibc
#endif

extension FakeOpenAIBridge {
    /// Sends the events as a chunked `text/event-stream`, one HTTP chunk each, honouring the
    /// pauses; with `cutAfter`, closes after that many events.
    func stream(_ fd: Int32, events: [String], cutAfter: Int?) {
        let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\nCache-Control: no-cache\r\n"
            + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        guard (try? TestClient.sendAll(fd, Array(head.utf8))) != nil else { return }
        // The resume generation when the first event went out: a resume after that ends the pause.
        var generation = 0
        for (index, event) in events.enumerated() {
            if let cutAfter, index >= cutAfter {
                shutdown(fd, Int32(SHUT_RDWR))
                return
            }
            if index == 1 {
                guard pause(locked { $0.pauseAfterFirstChunk }, unlessResumedSince: generation) else { return }
            }
            if index >= 1 {
                guard pause(locked { $0.chunkDelay }) else { return }
            }
            let bytes = Array("data: \(event)\n\n".utf8)
            let chunk = Array(String(bytes.count, radix: 16).utf8) + [13, 10] + bytes + [13, 10]
            guard (try? TestClient.sendAll(fd, chunk)) != nil else { return }
            if index == 0 {
                generation = locked { state in
                    state.firstChunksSent += 1
                    return state.resumeGeneration
                }
            }
        }
        if let cutAfter, cutAfter >= events.count {
            shutdown(fd, Int32(SHUT_RDWR))
            return
        }
        try? TestClient.sendAll(fd, Array("0\r\n\r\n".utf8))
    }

    /// A JSON response with `Content-Length`; with `cutAfterHalf`, closes after half the body.
    func respond(_ fd: Int32, status: Int, json: String, cutAfterHalf: Bool = false) {
        let body = Array(json.utf8)
        let head = "HTTP/1.1 \(status) \(Self.reason(status))\r\nContent-Type: application/json\r\n"
            + "Content-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        try? TestClient.sendAll(fd, Array(head.utf8) + (cutAfterHalf ? Array(body.prefix(body.count / 2)) : body))
        if cutAfterHalf { shutdown(fd, Int32(SHUT_RDWR)) }
    }

    /// An OpenAI error object: `{"error": {"message", "type", "param", "code"}}`.
    func respondError(_ fd: Int32, status: Int, _ message: String, code: String?) {
        let error: [String: Any] = [
            "message": message, "type": "invalid_request_error", "param": NSNull(), "code": code ?? NSNull(),
        ]
        respond(fd, status: status, json: Self.encode(["error": error]))
    }

    /// Compact JSON with sorted keys; the objects built here always serialize.
    static func encode(_ object: Any) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    private static func reason(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        default: "Status"
        }
    }
}
