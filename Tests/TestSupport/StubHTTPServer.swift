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
        /// Writes these bytes as the whole answer, well formed or not, and closes.
        case raw(String)
    }

    /// One request as received.
    public typealias Request = RecordedRequest

    /// The port on 127.0.0.1.
    public let port: UInt16
    private let lock = NSLock()
    private var currentReply: Reply
    private var received: [Request] = []
    private let listener: LoopbackListener

    /// Listens on 127.0.0.1:0 and answers every request with `reply` until told otherwise.
    public init(reply: Reply) throws {
        currentReply = reply
        listener = try LoopbackListener(name: "StubHTTPServer")
        port = listener.port
        // The listener's threads hold the server only weakly, so dropping it runs deinit, which stops it.
        listener.start { [weak self] fd in self?.serve(fd) }
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
        listener.stop()
    }

    private func serve(_ fd: Int32) {
        TestClient.setTimeouts(fd, .seconds(30))
        guard let raw = HTTPRequestReader.read(fd) else { return }
        let request = RecordedRequest(raw)
        let reply = lock.withLock {
            received.append(request)
            return currentReply
        }
        switch reply {
        case .respond(let status, let body, let contentType):
            HTTPResponseWriter.respond(fd, status: status, body: body, contentType: contentType)
        case .closeWithoutReply:
            return
        case .silent:
            while let chunk = try? TestClient.receive(fd), !chunk.isEmpty {}
        case .raw(let text):
            try? TestClient.sendAll(fd, Array(text.utf8))
        }
    }
}
