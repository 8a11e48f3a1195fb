import NIOCore
import NIOHTTP1
import NIOPosix

/// The benchmark's bridge: every chat request gets a stream of timestamped chunks.
struct Upstream {
    let port: Int
    let chunks: Int
    let interval: TimeAmount

    func run() throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let (chunks, interval) = (chunks, interval)
        let channel = try ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 8192)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(UpstreamHandler(chunks: chunks, interval: interval))
                }
            }
            .bind(host: "127.0.0.1", port: port).wait()
        print("listening")
        fflush(stdout)
        try channel.closeFuture.wait()
    }
}

final class UpstreamHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let chunks: Int
    let interval: TimeAmount
    private var head: HTTPRequestHead?
    private var task: RepeatedTask?

    init(chunks: Int, interval: TimeAmount) {
        self.chunks = chunks
        self.interval = interval
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): self.head = head
        case .body: break
        case .end:
            guard let head else { return }
            self.head = nil
            if head.method == .POST, head.uri.hasPrefix("/v1/chat/completions") {
                stream(context: context, keepAlive: head.isKeepAlive)
            } else if head.uri.hasPrefix("/v1/models") {
                whole(context: context, #"{"object":"list","data":[{"id":"gpt-bench","object":"model","created":1700000000,"owned_by":"bench"}]}"#, keepAlive: head.isKeepAlive)
            } else {
                whole(context: context, #"{"status":"ok"}"#, keepAlive: head.isKeepAlive)
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        task?.cancel()
        task = nil
        context.fireChannelInactive()
    }

    private func whole(context: ChannelHandlerContext, _ body: String, keepAlive: Bool) {
        var headers = HTTPHeaders([("Content-Type", "application/json"), ("Content-Length", String(body.utf8.count))])
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive { done.whenComplete { _ in context.close(promise: nil) } }
    }

    private func stream(context: ChannelHandlerContext, keepAlive: Bool) {
        let headers = HTTPHeaders([("Content-Type", "text/event-stream"), ("Cache-Control", "no-cache")])
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
        var sent = 0
        let total = chunks
        let allocator = context.channel.allocator
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        task = context.eventLoop.scheduleRepeatedTask(initialDelay: .zero, delay: interval) { [weak self] task in
            let context = loopBound.value
            guard let self, context.channel.isActive else { task.cancel(); return }
            let text =
                #"data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1700000000,"model":"gpt-bench","choices":[{"index":0,"delta":{"content":"t=\#(Monotonic.now()) "},"finish_reason":null}]}"#
                + "\n\n"
            context.write(self.wrapOutboundOut(.body(.byteBuffer(allocator.buffer(string: text)))), promise: nil)
            sent += 1
            if sent == total {
                task.cancel()
                self.task = nil
                let end =
                    #"data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1700000000,"model":"gpt-bench","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":9,"completion_tokens":\#(total),"total_tokens":\#(total + 9)}}"#
                    + "\n\ndata: [DONE]\n\n"
                context.write(self.wrapOutboundOut(.body(.byteBuffer(allocator.buffer(string: end)))), promise: nil)
                let done = context.writeAndFlush(self.wrapOutboundOut(.end(nil)))
                if !keepAlive { done.whenComplete { _ in context.close(promise: nil) } }
            } else {
                context.flush()
            }
        }
    }
}
