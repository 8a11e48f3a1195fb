import Hummingbird
public import HummingbirdCore
import NIOCore

/// The HTTP/1.1 server the gateway and the control endpoint run on: every request head and body
/// timed (``ConnectionGuard``), connections capped, request heads capped, idle connections closed.
public enum GuardedServer {
    /// What one server allows its clients.
    public struct Limits: Sendable {
        /// To send a request's head, and then its body.
        public var requestTimeout: Duration
        /// A connection idle this long is closed.
        public var idleTimeout: Duration
        /// Connections open at once beyond this are answered 503 and closed.
        public var maxConnections: Int
        /// A request head (line and headers) larger than this is refused.
        public var maxHeaderBytes: Int

        /// Limits as given.
        public init(requestTimeout: Duration, idleTimeout: Duration, maxConnections: Int, maxHeaderBytes: Int = 32 << 10) {
            self.requestTimeout = requestTimeout
            self.idleTimeout = idleTimeout
            self.maxConnections = maxConnections
            self.maxHeaderBytes = maxHeaderBytes
        }
    }

    /// An HTTP/1.1 server builder applying `limits`; `refused` hears each connection turned away.
    public static func http1(_ limits: Limits, refused: @escaping @Sendable (RequestRefusal) -> Void = { _ in }) -> HTTPServerBuilder {
        let connections = ConnectionGuard.Limits(
            requestTimeout: timeAmount(limits.requestTimeout), maxConnections: limits.maxConnections, refused: refused)
        let configuration = HTTP1Channel.Configuration(
            additionalChannelHandlers: [ConnectionGuard(limits: connections)],
            idleTimeout: timeAmount(limits.idleTimeout),
            httpDecoderConfiguration: .init(
                maxHeaderFieldSize: limits.maxHeaderBytes, maxHeaderListSize: limits.maxHeaderBytes, maxHeaderFieldCount: 200))
        return HTTPServerBuilder { responder in
            EventLoopAffineChannel(base: HTTP1Channel(responder: responder, configuration: configuration))
        }
    }

    static func timeAmount(_ duration: Duration) -> TimeAmount {
        .nanoseconds(Int64(duration.components.seconds) * 1_000_000_000 + Int64(duration.components.attoseconds / 1_000_000_000))
    }
}
