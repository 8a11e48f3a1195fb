/// What came of an ``HTTPRequest``: a response (of any status) or a failure to get one, with the
/// phase timings either way.
public struct HTTPOutcome: Sendable {
    /// A response or a failure.
    public enum Result: Sendable {
        /// An HTTP response; `body` holds at most the request's `maxResponseBytes`.
        case response(status: Int, contentType: String?, body: [UInt8])
        /// No response.
        case failure(HTTPFailure)
    }

    /// The result.
    public var result: Result
    /// Phase timings.
    public var timings: PhaseTimings

    /// Makes an outcome.
    public init(result: Result, timings: PhaseTimings) {
        self.result = result
        self.timings = timings
    }
}

/// Why no HTTP response came. `detail` is libcurl's explanation, which names the host but never
/// the URL's path or query.
public struct HTTPFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kinds that classification tells apart.
    public enum Kind: String, Sendable, Equatable {
        /// Nothing listens: the connection was refused.
        case refused
        /// The connection was accepted, then closed (or reset) before any reply.
        case closedWithoutReply = "closed_without_reply"
        /// Connecting took longer than the connect timeout.
        case connectTimeout = "connect_timeout"
        /// Connected, but no complete answer within the timeout.
        case timeout
        /// The host name did not resolve.
        case resolve
        /// The TLS handshake or certificate check failed.
        case tls
        /// The URL or request is unusable (bad URL, unsupported scheme).
        case badRequest = "bad_request"
        /// Anything else.
        case other
    }

    /// The kind.
    public var kind: Kind
    /// libcurl's explanation.
    public var detail: String

    /// Makes a failure.
    public init(_ kind: Kind, _ detail: String) {
        self.kind = kind
        self.detail = detail
    }

    public var description: String { detail }
}
