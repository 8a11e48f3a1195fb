import NIOCore
import NIOHTTPTypes

/// Closes a client connection that sends its request too slowly: the first request's head must
/// arrive within `timeout` of the connection opening, and every request's body within `timeout`
/// of its head. A slow client can otherwise hold a connection (and its buffers) open forever by
/// sending a byte now and then, which the idle timeout alone does not stop. Waiting between
/// requests on a kept-alive connection is left to the idle timeout; answers are never timed here.
final class RequestTimeoutHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    private let timeout: TimeAmount
    private var deadline: Scheduled<Void>?
    private var armedForFirstHead = false

    init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { armForFirstHead(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        armForFirstHead(context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: arm(context)
        case .body: break
        case .end: disarm()
        }
        context.fireChannelRead(data)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        disarm()
    }

    private func armForFirstHead(_ context: ChannelHandlerContext) {
        guard !armedForFirstHead else { return }
        armedForFirstHead = true
        arm(context)
    }

    private func arm(_ context: ChannelHandlerContext) {
        disarm()
        let channel = context.channel
        deadline = context.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
    }

    private func disarm() {
        deadline?.cancel()
        deadline = nil
    }
}
