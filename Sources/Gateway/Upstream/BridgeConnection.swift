import NIOCore
import NIOHTTP1

/// One keep-alive HTTP/1.1 connection to a bridge and the exchange on it, on the connection's event
/// loop: it writes a call's request, hands over the answer's head, feeds its body to the reader
/// (pausing reads while the reader is behind), times silence and the whole exchange, and goes back
/// to its loop's pool when the answer ended and both sides keep the connection alive.
final class BridgeConnection: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = HTTPClientRequestPart
    typealias OutboundOut = HTTPClientRequestPart

    private enum State {
        /// Parked in the pool, or not yet given a call.
        case idle
        /// `sent` is when the request went out: a kept connection closed right after may be the
        /// bridge's idle close crossing the call.
        case awaitingHead(BridgeCall, reused: Bool, sent: NIODeadline)
        case streaming(BridgeResponseBody.Stream, keepAlive: Bool)
        case closed
    }

    let key: BridgeConnectionPool.Key
    private let pool: BridgeConnectionPool
    private let timeouts: BridgeClient.Configuration
    private var context: ChannelHandlerContext?
    private var state = State.idle
    /// Why this side closed the connection, told to whoever waits on it.
    private var failure: (any Error)?
    /// Silence is measured from here; the exchange must end by `deadline`.
    private var lastRead = NIODeadline.now()
    private var deadline = NIODeadline.distantFuture
    private var timer: Scheduled<Void>?
    /// The reader is behind: reads wait until it catches up (`readPending` says one was asked for).
    private var readPaused = false
    private var readPending = false
    /// Whether this connection served an exchange before (then a close before the answer may be
    /// the bridge dropping an idle connection, and the call may try a new one).
    private var served = false
    /// Whether the current request has been written whole: only then may the connection go back
    /// to the pool (an answer can come early, a 413 say, while the body is still going out).
    private var requestWritten = false

    init(key: BridgeConnectionPool.Key, pool: BridgeConnectionPool, timeouts: BridgeClient.Configuration) {
        self.key = key
        self.pool = pool
        self.timeouts = timeouts
    }

    var isActive: Bool { context?.channel.isActive ?? false }

    /// Sends `call`'s request. On the loop, with the connection idle.
    func send(_ call: BridgeCall) {
        guard let context, case .idle = state, context.channel.isActive else {
            call.connectionLost(BridgeClientError(.closed), retryable: served)
            return
        }
        // Cancelled before it went out: the connection stays as it was, idle.
        guard call.sent(on: self) else { return pool.park(self) }
        state = .awaitingHead(call, reused: served, sent: .now())
        served = true
        requestWritten = false
        let request = call.request
        var headers = request.headers
        headers.replaceOrAdd(name: "Host", value: key.hostHeader)
        headers.replaceOrAdd(name: "Content-Length", value: String(request.body.readableBytes))
        let head = HTTPRequestHead(version: .http1_1, method: .POST, uri: call.target.pathPrefix + request.path, headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(request.body))), promise: nil)
        let written = context.eventLoop.makePromise(of: Void.self)
        let connection = NIOLoopBound(self, eventLoop: context.eventLoop)
        written.futureResult.whenSuccess { connection.value.requestWritten = true }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: written)
        lastRead = .now()
        deadline = lastRead + timeouts.maximumExchange
        armTimer()
    }

    /// Fails `call` while it waits for its answer here (a cancel).
    func failCall(_ call: BridgeCall, _ error: any Error) {
        guard case .awaitingHead(let current, _, _) = state, current === call else { return }
        fail(error)
    }

    /// Ends whatever the connection does with `error` and closes it.
    func fail(_ error: any Error) {
        guard let context else { return }
        if failure == nil { failure = error }
        context.close(promise: nil)
    }

    /// Closes an idle connection (the pool's idle timeout, shutdown).
    func close() {
        context?.close(promise: nil)
    }

    // MARK: channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        lastRead = .now()
        switch unwrapInboundIn(data) {
        case .head(let head):
            guard case .awaitingHead(let call, _, _) = state else {
                return fail(BridgeClientError(.protocolError, detail: "an answer nobody asked for"))
            }
            let stream = makeStream(on: context.eventLoop)
            state = .streaming(stream, keepAlive: head.isKeepAlive)
            call.answered(BridgeResponse(status: head.status, headers: head.headers, body: BridgeResponseBody(stream)), stream: stream)
        case .body(let buffer):
            guard case .streaming(let stream, _) = state else { return }
            if !stream.yield(buffer) { readPaused = true }
        case .end:
            guard case .streaming(let stream, let keepAlive) = state else { return }
            state = .idle
            timer?.cancel()
            timer = nil
            readPaused = false
            stream.finish()
            if keepAlive && requestWritten {
                pool.park(self)
            } else {
                context.close(promise: nil)
            }
        }
    }

    func read(context: ChannelHandlerContext) {
        if readPaused {
            readPending = true
        } else {
            context.read()
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if failure == nil { failure = BridgeClientError.exchanging(error) }
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        let error = failure ?? BridgeClientError(.closed)
        switch state {
        case .awaitingHead(let call, let reused, let sent):
            // The bridge closed a connection it had kept idle just as the call went out: it never
            // read the request, so a new connection may carry it.
            let closedByBridge = failure == nil || (failure as? BridgeClientError)?.code == .closed
            let crossed = NIODeadline.now() - sent < timeouts.idleCloseWindow
            call.connectionLost(error, retryable: reused && closedByBridge && crossed)
        case .streaming(let stream, _):
            stream.finish(error)
        case .idle:
            pool.remove(self)
        case .closed:
            break
        }
        state = .closed
        context.fireChannelInactive()
    }

    // MARK: the reader and the timer

    private func makeStream(on loop: any EventLoop) -> BridgeResponseBody.Stream {
        let connection = NIOLoopBound(self, eventLoop: loop)
        return BridgeResponseBody.Stream(
            loop: loop,
            control: .init(
                resume: { stream in loop.execute { connection.value.resumeReading(stream) } },
                abandon: { stream, error in loop.execute { connection.value.abandon(stream, error) } }))
    }

    /// The reader caught up: read again, and count silence from now.
    private func resumeReading(_ stream: BridgeResponseBody.Stream) {
        guard readPaused, case .streaming(let current, _) = state, current === stream, let context else { return }
        readPaused = false
        lastRead = .now()
        if readPending {
            readPending = false
            context.read()
        }
    }

    /// The reader gave up on the body it was reading: nobody wants the rest. (The connection may
    /// carry another exchange by now; that one goes on.)
    private func abandon(_ stream: BridgeResponseBody.Stream, _ error: any Error) {
        guard case .streaming(let current, _) = state, current === stream else { return }
        fail(error)
    }

    private func armTimer() {
        guard let context else { return }
        let connection = NIOLoopBound(self, eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(deadline: min(lastRead + timeouts.readTimeout, deadline)) { connection.value.timerFired() }
    }

    private func timerFired() {
        timer = nil
        switch state {
        case .awaitingHead, .streaming: break
        case .idle, .closed: return
        }
        let now = NIODeadline.now()
        if now >= deadline {
            fail(BridgeClientError(.deadlineExceeded))
        } else if !readPaused && now >= lastRead + timeouts.readTimeout {
            fail(BridgeClientError(.readTimeout))
        } else {
            if readPaused { lastRead = now }
            armTimer()
        }
    }
}
