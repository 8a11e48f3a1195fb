import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A loopback OpenAI-compatible bridge (127.0.0.1, a free port) with deterministic answers, for
/// gateway and client tests. Records every request; the test can slow, pause, fail or cut its
/// streams.
///
/// - `GET /v1/models`, `GET /v1/models/{id}`: the models it was given (`owned_by: "fake"`).
/// - `POST /v1/chat/completions`: the assistant echoes the last user message, `"echo: "` and its
///   words joined by single spaces; after a tool result (the last message has role `tool`) it
///   echoes the tool result instead. If the request has `tools` (and `tool_choice` is not
///   `"none"`) and the last message is a user message containing "weather", the answer is a call
///   of the first tool with arguments ``toolCallArguments`` and id ``toolCallID``.
///   `"stream": true` answers with server-sent events as OpenAI does: one `chat.completion.chunk`
///   per word (the role in the first), tool-call arguments in three fragments, a chunk with the
///   `finish_reason`, the usage chunk (`"choices": []`) only when the request asked for
///   `stream_options.include_usage`, then `data: [DONE]`. See ``Usage`` for the token counts.
/// - `GET /health`: `{"status":"ok"}`. Anything else: 404 with an OpenAI error object.
///
/// One request per connection (`Connection: close`), one thread per connection. The model in a
/// request is not checked against ``models``; answers name the requested model.
public final class FakeOpenAIBridge: @unchecked Sendable {
    /// How the bridge misbehaves, for every request from the moment it is set.
    public enum Failure: Sendable, Equatable {
        /// Answers with this status and JSON body, e.g. 401 with
        /// `{"status":"auth_required","message":"…"}`, or 503.
        case status(Int, body: String)
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

    /// The token counts the bridge reports: whitespace-separated words.
    ///
    /// `prompt_tokens` counts the words of every message's text (a string `content`, or the `text`
    /// of its content parts; tool calls and other fields count nothing). `completion_tokens` counts
    /// the words of the reply text, or, for a tool call, of `"<name> <arguments>"` (2 for
    /// `get_weather` and ``toolCallArguments``). `total_tokens` is their sum.
    public enum Usage {
        /// The number of whitespace-separated words in `text`.
        public static func words(_ text: String) -> Int {
            text.split(whereSeparator: \.isWhitespace).count
        }
    }

    /// The arguments of every tool call the bridge makes.
    public static let toolCallArguments = #"{"city":"Paris"}"#
    /// The id of every tool call the bridge makes.
    public static let toolCallID = "call_1"

    /// The reply to a last user message (or tool result) `text`: `"echo: "` plus its words joined
    /// by single spaces, or `"echo:"` when it has none.
    public static func replyText(echoing text: String) -> String {
        (["echo:"] + text.split(whereSeparator: \.isWhitespace).map(String.init)).joined(separator: " ")
    }

    /// The port on 127.0.0.1.
    public let port: UInt16
    /// The model ids `GET /v1/models` lists.
    public let models: [String]

    private let listener: LoopbackListener
    // `condition` guards `state`; waiting streams and `waitUntilFirstChunkSent` wait on it.
    private let condition = NSCondition()
    private var state = State()

    /// What the test controls and what the bridge counts; guarded by `condition`.
    struct State {
        var chunkDelay: Duration = .zero
        var pauseAfterFirstChunk: Duration = .zero
        var failure: Failure?
        var failOnlyPosts = false
        var omitUsage = false
        var requests: [Request] = []
        var received = 0
        var firstChunksSent = 0
        var resumeGeneration = 0
        var stopped = false
    }

    /// Listens on 127.0.0.1:0 and serves `models`.
    public init(models: [String] = ["fake-model"]) throws {
        self.models = models
        listener = try LoopbackListener(name: "FakeOpenAIBridge")
        port = listener.port
        // The listener's threads hold the bridge only weakly, so dropping it runs deinit, which stops it.
        listener.start { [weak self] fd in self?.serve(fd) }
    }

    deinit { stop() }

    /// `http://127.0.0.1:PORT`.
    public var url: String { "http://127.0.0.1:\(port)" }

    /// `http://127.0.0.1:PORT/v1`, the base URL OpenAI SDKs take.
    public var baseURL: String { url + "/v1" }

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

    /// Leaves `usage` out of completions and the usage chunk out of streams, as some bridges do.
    public var omitUsage: Bool {
        get { locked { $0.omitUsage } }
        set { locked { $0.omitUsage = newValue } }
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
        await withCheckedContinuation { continuation in
            let thread = Thread { [self] in
                continuation.resume(returning: waitUntilFirstChunkSent(count: count, timeout: timeout))
            }
            thread.name = "FakeOpenAIBridge-wait"
            thread.start()
        }
    }

    /// Ends the ``pauseAfterFirstChunk`` of every stream that has sent its first event; later
    /// streams pause again.
    public func resumePausedStreams() {
        locked { $0.resumeGeneration += 1 }
    }

    /// Stops listening and closes every connection; paused streams end at once.
    public func stop() {
        locked { $0.stopped = true }
        listener.stop()
    }

    // MARK: Serving

    func locked<T>(_ body: (inout State) -> T) -> T {
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
            return (state.failOnlyPosts && request.method != "POST" ? nil : state.failure, state.received)
        }
        var cutAfter: Int?
        switch failure {
        case .status(let status, let body):
            respond(fd, status: status, json: body)
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
        switch (request.method, path) {
        case ("GET", "/v1/models"):
            let data = models.map(modelObject)
            respond(fd, status: 200, json: Self.encode(["object": "list", "data": data]), cutAfterHalf: cutAfter != nil)
        case ("GET", _) where path.hasPrefix("/v1/models/"):
            let id = String(path.dropFirst("/v1/models/".count))
            if models.contains(id) {
                respond(fd, status: 200, json: Self.encode(modelObject(id)), cutAfterHalf: cutAfter != nil)
            } else {
                respondError(fd, status: 404, "The model '\(id)' does not exist", code: "model_not_found")
            }
        case ("GET", "/health"):
            respond(fd, status: 200, json: #"{"status":"ok"}"#, cutAfterHalf: cutAfter != nil)
        case ("POST", "/v1/chat/completions"):
            guard let body = request.json else {
                respondError(fd, status: 400, "The request body is not a JSON object", code: nil)
                return
            }
            let completion = Completion(request: body, id: "chatcmpl-fake-\(number)", fallbackModel: models.first ?? "fake-model")
            let omitUsage = locked { $0.omitUsage }
            if body["stream"] as? Bool == true {
                let options = body["stream_options"] as? [String: Any]
                let includeUsage = options?["include_usage"] as? Bool == true && !omitUsage
                stream(fd, events: completion.events(includeUsage: includeUsage), cutAfter: cutAfter)
            } else {
                respond(fd, status: 200, json: Self.encode(completion.object(includeUsage: !omitUsage)), cutAfterHalf: cutAfter != nil)
            }
        default:
            respondError(fd, status: 404, "Unknown request URL: \(request.method) \(path)", code: "unknown_url")
        }
    }

    private func modelObject(_ id: String) -> [String: Any] {
        ["id": id, "object": "model", "created": Completion.created, "owned_by": "fake"]
    }

    /// Waits `duration`, or less if the bridge stops or streams were resumed after `generation`.
    /// Returns `false` if the bridge stopped.
    func pause(_ duration: Duration, unlessResumedSince generation: Int? = nil) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard duration > .zero else { return !state.stopped }
        let deadline = Date(timeIntervalSinceNow: Self.seconds(duration))
        while !state.stopped && (generation == nil || state.resumeGeneration == generation) {
            if !condition.wait(until: deadline) { break }
        }
        return !state.stopped
    }

    static func seconds(_ duration: Duration) -> TimeInterval {
        let (seconds, attoseconds) = duration.components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}
