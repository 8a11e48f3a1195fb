import NIOCore
import NIOHTTPTypes
import Synchronization

/// Guards one client connection against clients that hold the gateway's resources without using
/// them:
///
/// - **Slow requests.** Every request's head must arrive within `request_timeout` of its first
///   byte (the first request's, of the connection opening), and its body within `request_timeout`
///   of the head, or the connection is closed. Dribbling a byte now and then no longer holds a
///   connection: the idle timeout alone would not stop that. Waiting between requests is left to
///   the idle timeout; answers are never timed here.
/// - **Too many connections.** Beyond `max_connections` open at once, a new connection is answered
///   503 with `Connection: close` before anything of it is read, and closed.
///
/// Hummingbird adds it after the HTTP decoder; it puts a ``ByteWatcher`` in front of the decoder
/// to see raw bytes (a head still being sent) and to answer over-limit connections.
final class ConnectionGuard: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    /// What every connection of one gateway shares.
    final class Limits: Sendable {
        let requestTimeout: TimeAmount
        let maxConnections: Int
        let refused: @Sendable (RequestRefusal) -> Void
        fileprivate let open = Atomic<Int>(0)

        init(requestTimeout: TimeAmount, maxConnections: Int, refused: @escaping @Sendable (RequestRefusal) -> Void) {
            self.requestTimeout = requestTimeout
            self.maxConnections = maxConnections
            self.refused = refused
        }
    }

    private enum Phase {
        /// Waiting for a request's head; the deadline runs.
        case head
        /// Waiting for the body of a request whose head came; the deadline runs.
        case body
        /// Between requests: nothing runs until the next request's first byte.
        case between
    }

    private let limits: Limits
    private var phase = Phase.head
    private var deadline: Scheduled<Void>?

    init(limits: Limits) {
        self.limits = limits
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let watcher = ByteWatcher(limits: limits, guard: self)
        try? context.pipeline.syncOperations.addHandler(watcher, position: .first)
        if context.channel.isActive { arm(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        if deadline == nil && phase == .head { arm(context) }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            phase = .body
            arm(context)
        case .body: break
        case .end:
            phase = .between
            disarm()
        }
        context.fireChannelRead(data)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        disarm()
    }

    /// Raw bytes arrived: between requests, they start the next request's deadline.
    fileprivate func bytesArrived(_ context: ChannelHandlerContext) {
        guard phase == .between else { return }
        phase = .head
        arm(context)
    }

    private func arm(_ context: ChannelHandlerContext) {
        disarm()
        let channel = context.channel
        let refused = limits.refused
        deadline = context.eventLoop.scheduleTask(in: limits.requestTimeout) {
            refused(.slowRequest)
            channel.close(promise: nil)
        }
    }

    private func disarm() {
        deadline?.cancel()
        deadline = nil
    }
}

/// In front of the HTTP decoder: counts the connection against `max_connections` (answering 503
/// and closing when over), and tells the ``ConnectionGuard`` when bytes arrive.
private final class ByteWatcher: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let limits: ConnectionGuard.Limits
    private weak var connectionGuard: ConnectionGuard?
    private var counted = false
    private var refusing = false

    init(limits: ConnectionGuard.Limits, guard connectionGuard: ConnectionGuard) {
        self.limits = limits
        self.connectionGuard = connectionGuard
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { count(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        count(context)
        if !refusing { context.fireChannelActive() }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !refusing else { return }
        connectionGuard?.bytesArrived(context)
        context.fireChannelRead(data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if counted {
            counted = false
            limits.open.subtract(1, ordering: .relaxed)
        }
        context.fireChannelInactive()
    }

    private func count(_ context: ChannelHandlerContext) {
        guard !counted else { return }
        counted = true
        let open = limits.open.add(1, ordering: .relaxed).newValue
        guard open > limits.maxConnections else { return }
        refusing = true
        // A refused connection does not hold a slot for the second it takes to close.
        counted = false
        limits.open.subtract(1, ordering: .relaxed)
        limits.refused(.tooManyConnections)
        let body = #"{"error":{"message":"the gateway is at its connection limit (max_connections); try again shortly","type":"api_error","param":null,"code":"too_many_connections"}}"#
        let head = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n"
        let channel = context.channel
        // Half-close after the answer, so a request already on its way is read (and dropped)
        // rather than answered with a reset that could discard the 503; close within a second.
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: head + body))).whenComplete { _ in
            channel.close(mode: .output, promise: nil)
            channel.eventLoop.scheduleTask(in: .seconds(1)) { channel.close(promise: nil) }
        }
    }
}
