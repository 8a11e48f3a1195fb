import Foundation

/// A loopback HTTP/1.1 server that keeps connections alive and answers each request as the test's
/// script says, given the connection's number and the request's number on it (both from 1): for
/// testing an HTTP client's connection reuse, a bridge dropping a kept connection, hostile answers.
/// It counts the connections it accepted and the requests it read.
public final class ScriptedBridge: @unchecked Sendable {
    /// What the bridge does with one request.
    public enum Answer: Sendable {
        /// `200` with this JSON body, the connection kept alive.
        case respond(String)
        /// Closes the connection without a byte of answer.
        case close
        /// Reads the request, waits this long (working on it), then closes without an answer.
        case closeAfter(Duration)
        /// Writes these bytes, well formed or not, then reads the next request.
        case raw(String)
        /// Writes these bytes, then closes the connection.
        case rawThenClose(String)
        /// Never answers (until the client gives up or the bridge stops).
        case silent
    }

    /// The port on 127.0.0.1.
    public let port: UInt16
    private let listener: LoopbackListener
    private let lock = NSLock()
    private var accepted = 0
    private var read = 0
    private var ended = 0

    /// Listens on 127.0.0.1:0 and answers as `script` says.
    public init(_ script: @escaping @Sendable (_ connection: Int, _ request: Int) -> Answer) throws {
        listener = try LoopbackListener(name: "ScriptedBridge")
        port = listener.port
        listener.start { [weak self] fd in self?.serve(fd, script) }
    }

    deinit { stop() }

    /// `http://127.0.0.1:PORT`.
    public var url: String { "http://127.0.0.1:\(port)" }
    /// Connections accepted so far.
    public var connections: Int { lock.withLock { accepted } }
    /// Requests read so far, on every connection.
    public var requests: Int { lock.withLock { read } }
    /// Connections that ended (the client closed, or the script did).
    public var closedConnections: Int { lock.withLock { ended } }

    /// Stops listening and closes every connection.
    public func stop() {
        listener.stop()
    }

    private func serve(_ fd: Int32, _ script: (Int, Int) -> Answer) {
        // A kept connection waits for the client's next request as long as a test may take to send
        // it on a busy machine; stop() ends the wait.
        TestClient.setTimeouts(fd, .seconds(600))
        let connection = lock.withLock {
            accepted += 1
            return accepted
        }
        defer { lock.withLock { ended += 1 } }
        var number = 0
        while HTTPRequestReader.read(fd) != nil {
            number += 1
            lock.withLock { read += 1 }
            switch script(connection, number) {
            case .respond(let body):
                let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n"
                guard (try? TestClient.sendAll(fd, Array((head + body).utf8))) != nil else { return }
            case .close:
                return
            case .closeAfter(let duration):
                Thread.sleep(forTimeInterval: Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
                return
            case .raw(let bytes):
                guard (try? TestClient.sendAll(fd, Array(bytes.utf8))) != nil else { return }
            case .rawThenClose(let bytes):
                try? TestClient.sendAll(fd, Array(bytes.utf8))
                return
            case .silent:
                while let chunk = try? TestClient.receive(fd), !chunk.isEmpty {}
                return
            }
        }
    }
}
