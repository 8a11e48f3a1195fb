import Foundation
import Platform

/// What every loopback fake bridge (127.0.0.1, a free port) shares, whatever API dialect it
/// speaks: the listener, the record of requests, the failures a test can switch on, and the
/// pacing of streams (delays, a pause after the first event, a resume). ``FakeOpenAIBridge`` and
/// ``FakeAnthropicBridge`` add their endpoints and deterministic answers.
///
/// The answers of both follow one rule, so one conversation costs the same in either dialect:
/// the reply echoes the last user message (``replyText(echoing:)``), a request with tools whose
/// last user message mentions "weather" gets a call of the first tool with arguments
/// ``toolCallArguments``, and tokens are whitespace-separated words (``Usage``).
///
/// `GET /health` answers `{"status":"ok"}` in every dialect. One request per connection
/// (`Connection: close`), one thread per connection. Not instantiated itself: the dialect fakes
/// are its only subclasses.
public class FakeBridge: @unchecked Sendable {
    /// How the bridge misbehaves, for every request from the moment it is set.
    public enum Failure: Sendable, Equatable {
        /// Answers with this status and JSON body, e.g. 401 with
        /// `{"status":"auth_required","message":"…"}`, or 503.
        case status(Int, body: String)
        /// Answers with this status, these headers and this JSON body (e.g. 429 with `Retry-After`).
        case answer(Int, headers: [String: String], body: String)
        /// Reads the request, then closes the connection without a byte of reply.
        case closeWithoutReply
        /// A stream sends its response head and `afterChunks` events, then the connection closes
        /// without the end of the chunked body. A non-streaming answer is cut after half its body.
        case dieMidStream(afterChunks: Int)
        /// Reads the request and never answers (until the client gives up or the bridge stops).
        case silent
    }

    /// One request as received.
    public typealias Request = RecordedRequest

    /// The token counts the bridges report: whitespace-separated words. Each dialect's fake says
    /// which texts it counts.
    public enum Usage {
        /// The number of whitespace-separated words in `text`.
        public static func words(_ text: String) -> Int {
            text.split(whereSeparator: \.isWhitespace).count
        }
    }

    /// The arguments (the `input`, in Anthropic's words) of every tool call the bridges make.
    public static let toolCallArguments = #"{"city":"Paris"}"#

    /// The reply to a last user message (or tool result) `text`: `"echo: "` plus its words joined
    /// by single spaces, or `"echo:"` when it has none.
    public static func replyText(echoing text: String) -> String {
        (["echo:"] + text.split(whereSeparator: \.isWhitespace).map(String.init)).joined(separator: " ")
    }

    /// The `created` time of every model and answer (2023-11-14T22:13:20Z), fixed so answers
    /// compare equal.
    static let created = 1_700_000_000

    /// The port on 127.0.0.1.
    public let port: UInt16
    /// The model ids `GET /v1/models` lists.
    public let models: [String]

    private let listener: LoopbackListener
    // `condition` guards `state` and the settings of subclasses (see `synchronized`); waiting
    // streams and `waitUntilFirstChunkSent` wait on it.
    private let condition = NSCondition()
    private var state = State()

    /// What the test controls and what the bridge counts; guarded by `condition`.
    private struct State {
        var chunkDelay: Duration = .zero
        var pauseAfterFirstChunk: Duration = .zero
        var failure: Failure?
        var failOnlyPosts = false
        var failOnly: (@Sendable (RecordedRequest) -> Bool)?
        var requests: [Request] = []
        var received = 0
        var firstChunksSent = 0
        var resumeGeneration = 0
        var stopped = false
        var answeredPosts = 0
        var stopAfterPosts: Int?
    }

    /// Listens on 127.0.0.1:0 and serves `models`; `name` names the threads.
    init(name: String, models: [String]) throws {
        self.models = models
        listener = try LoopbackListener(name: name)
        port = listener.port
        // The listener's threads hold the bridge only weakly, so dropping it runs deinit, which stops it.
        listener.start { [weak self] fd in self?.serve(fd) }
    }

    deinit { stop() }

    /// `http://127.0.0.1:PORT`.
    public var url: String { "http://127.0.0.1:\(port)" }

    /// The pause before every stream event after the first.
    public var chunkDelay: Duration {
        get { locked { $0.chunkDelay } }
        set { locked { $0.chunkDelay = newValue } }
    }

    /// The pause after a stream's first event, before the rest (and ``chunkDelay``); cut short by
    /// ``resumePausedStreams()``. With ``waitUntilFirstChunkSent(count:timeout:)`` it shows
    /// whether a proxy passes the first event on before the stream ends.
    public var pauseAfterFirstChunk: Duration {
        get { locked { $0.pauseAfterFirstChunk } }
        set { locked { $0.pauseAfterFirstChunk = newValue } }
    }

    /// How requests fail from now on; `nil` (the default) answers normally.
    public var failure: Failure? {
        get { locked { $0.failure } }
        set { locked { $0.failure = newValue } }
    }

    /// Whether ``failure`` spares GET requests (a probe of `/v1/models` still succeeds): a bridge
    /// that is up but refuses a particular request.
    public var failOnlyPosts: Bool {
        get { locked { $0.failOnlyPosts } }
        set { locked { $0.failOnlyPosts = newValue } }
    }

    /// Where set, the failure applies only to the requests this picks (one path, one model).
    public var failOnly: (@Sendable (RecordedRequest) -> Bool)? {
        get { locked { $0.failOnly } }
        set { locked { $0.failOnly = newValue } }
    }

    /// The requests received so far, oldest first.
    public var requests: [Request] { locked { $0.requests } }

    /// How many streams have sent their first event so far.
    public var firstChunksSent: Int { locked { $0.firstChunksSent } }

    /// Waits until `count` streams in all have sent their first event; `false` after `timeout`.
    public func waitUntilFirstChunkSent(count: Int = 1, timeout: Duration) -> Bool {
        let deadline = Date(timeIntervalSinceNow: Self.seconds(timeout))
        condition.lock()
        defer { condition.unlock() }
        while state.firstChunksSent < count {
            if !condition.wait(until: deadline) { return state.firstChunksSent >= count }
        }
        return true
    }

    /// Waits like ``waitUntilFirstChunkSent(count:timeout:)`` on a thread of its own, so waiting
    /// never ties up a thread of the cooperative pool.
    public func waitUntilFirstChunkSent(count: Int = 1, timeout: Duration) async -> Bool {
        await BlockingWork.run("FakeBridge-wait") { [self] in waitUntilFirstChunkSent(count: count, timeout: timeout) }
    }

    /// Ends the ``pauseAfterFirstChunk`` of every stream that has sent its first event; later
    /// streams pause again.
    public func resumePausedStreams() {
        locked { $0.resumeGeneration += 1 }
    }

    /// Stops (as ``stop()``) right after the `count`th POST has been answered, on the thread that
    /// answered it: a client that sends one request at a time sees the bridge die between two
    /// requests, never in the middle of an answer.
    public func stop(afterAnsweringPosts count: Int) {
        locked { $0.stopAfterPosts = count }
    }

    /// Stops listening and closes every connection; paused streams end at once.
    public func stop() {
        locked { $0.stopped = true }
        listener.stop()
    }

    // MARK: For the dialects

    /// Answers one request that ``failure`` spared, other than `GET /health`. Each dialect
    /// overrides it; this one answers 404.
    ///
    /// - Parameters:
    ///   - request: the request, already recorded.
    ///   - path: its path without the query.
    ///   - number: its number among the requests received, from 1 (for answer ids).
    ///   - cutAfter: set by ``Failure/dieMidStream(afterChunks:)``: how many stream events to send
    ///     before cutting the connection; a non-streaming answer is cut after half its body.
    ///   - fd: the connection.
    func answer(_ request: Request, path: String, number: Int, cutAfter: Int?, on fd: Int32) {
        HTTPResponseWriter.respond(fd, status: 404, body: #"{"error":"not found"}"#)
    }

    /// Runs `body` under the lock that guards the bridge's state; for settings of subclasses.
    func synchronized<T>(_ body: () -> T) -> T {
        condition.lock()
        defer { condition.unlock() }
        return body()
    }

    /// Sends `events`, each a complete server-sent event (its blank line included), as a chunked
    /// `text/event-stream`, one HTTP chunk each, honouring the pauses and counting first events;
    /// with `cutAfter`, cuts the connection after that many events.
    func stream(_ fd: Int32, events: [String], cutAfter: Int?) {
        guard HTTPResponseWriter.startEventStream(fd) else { return }
        // The resume generation just before the first event went out: a resume after that ends the pause.
        var generation = 0
        for (index, event) in events.enumerated() {
            if let cutAfter, index >= cutAfter {
                HTTPResponseWriter.cut(fd)
                return
            }
            if index == 1 {
                guard pause(locked { $0.pauseAfterFirstChunk }, unlessResumedSince: generation) else { return }
            }
            if index >= 1 {
                guard pause(locked { $0.chunkDelay }) else { return }
            }
            // The generation is read before the first event goes out: a client that has it may
            // resume at once, and a resume read as the starting point would not end the pause.
            if index == 0 { generation = locked { $0.resumeGeneration } }
            guard HTTPResponseWriter.sendChunk(fd, event) else { return }
            if index == 0 { locked { $0.firstChunksSent += 1 } }
        }
        if let cutAfter, cutAfter >= events.count {
            HTTPResponseWriter.cut(fd)
            return
        }
        HTTPResponseWriter.endChunkedBody(fd)
    }

    /// `text` in three pieces of about equal length, as both APIs stream tool-call arguments.
    static func fragments(of text: String) -> [String] {
        let characters = Array(text)
        let size = max(1, (characters.count + 2) / 3)
        return stride(from: 0, to: characters.count, by: size).map { String(characters[$0..<min($0 + size, characters.count)]) }
    }

    // MARK: Serving

    private func locked<T>(_ body: (inout State) -> T) -> T {
        condition.lock()
        defer {
            condition.broadcast()
            condition.unlock()
        }
        return body(&state)
    }

    private func serve(_ fd: Int32) {
        TestClient.setTimeouts(fd, .seconds(30))
        guard let raw = HTTPRequestReader.read(fd) else { return }
        let request = RecordedRequest(raw)
        let (failure, number) = locked { state in
            state.requests.append(request)
            state.received += 1
            let spared = (state.failOnlyPosts && request.method != "POST") || state.failOnly.map { !$0(request) } == true
            return (spared ? nil : state.failure, state.received)
        }
        var cutAfter: Int?
        switch failure {
        case .status(let status, let body):
            HTTPResponseWriter.respond(fd, status: status, body: body)
            return
        case .answer(let status, let headers, let body):
            HTTPResponseWriter.respond(fd, status: status, body: body, headers: headers)
            return
        case .closeWithoutReply:
            return
        case .silent:
            while let chunk = try? TestClient.receive(fd), !chunk.isEmpty {}
            return
        case .dieMidStream(let chunks):
            cutAfter = chunks
        case nil:
            break
        }

        let path = String(request.path.prefix { $0 != "?" })
        if request.method == "GET" && path == "/health" {
            HTTPResponseWriter.respond(fd, status: 200, body: #"{"status":"ok"}"#, cutAfterHalf: cutAfter != nil)
        } else {
            answer(request, path: path, number: number, cutAfter: cutAfter, on: fd)
        }
        let last = request.method == "POST" && locked { state in
            state.answeredPosts += 1
            return state.answeredPosts == state.stopAfterPosts
        }
        if last { stop() }
    }

    /// Waits `duration`, or less if the bridge stops or streams were resumed after `generation`.
    /// Returns `false` if the bridge stopped.
    private func pause(_ duration: Duration, unlessResumedSince generation: Int? = nil) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard duration > .zero else { return !state.stopped }
        let deadline = Date(timeIntervalSinceNow: Self.seconds(duration))
        while !state.stopped && (generation == nil || state.resumeGeneration == generation) {
            if !condition.wait(until: deadline) { break }
        }
        return !state.stopped
    }

    private static func seconds(_ duration: Duration) -> TimeInterval {
        let (seconds, attoseconds) = duration.components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}
