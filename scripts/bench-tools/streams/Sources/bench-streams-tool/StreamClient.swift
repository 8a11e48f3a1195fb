import Glibc
import NIOCore
import NIOHTTP1
import NIOPosix

/// Opens `streams` chat streams at once and measures each chunk's delay (received − the `t=` it
/// carries), each stream's time to first chunk (from its request's write), and how many complete
/// (status 200 and `data: [DONE]`).
struct StreamClient {
    let port: Int
    let streams: Int
    let headers: [(String, String)]
    let model: String
    let timeout: TimeAmount

    struct Result {
        var delays: [Int64] = []
        var firstChunks: [Int64] = []
        var completed = 0
        var errors: [String: Int] = [:]
        var seconds = 0.0

        var json: String {
            func percentiles(_ values: [Int64]) -> String {
                let sorted = values.sorted()
                func at(_ q: Double) -> Double {
                    sorted.isEmpty ? 0 : Double(sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * q + 0.5))]) / 1e6
                }
                return #"{"count":\#(sorted.count),"p50_ms":\#(at(0.5)),"p99_ms":\#(at(0.99)),"max_ms":\#(sorted.isEmpty ? 0 : Double(sorted.last!) / 1e6)}"#
            }
            let errorText = errors.sorted { $0.key < $1.key }.map { #""\#($0.key)":\#($0.value)"# }.joined(separator: ",")
            return #"{"completed":\#(completed),"errors":{\#(errorText)},"chunk_delay":\#(percentiles(delays)),"first_chunk":\#(percentiles(firstChunks)),"seconds":\#(seconds)}"#
        }
    }

    func run() throws -> Result {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let loop = group.next()
        let body = #"{"model":"\#(model)","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]}"#
        var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: "/v1/chat/completions")
        head.headers.add(name: "Host", value: "127.0.0.1:\(port)")
        head.headers.add(name: "Content-Type", value: "application/json")
        head.headers.add(name: "Content-Length", value: String(body.utf8.count))
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        let tally = Tally(loop: loop)
        let started = Monotonic.now()
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(.seconds(60))
            .channelInitializer { [head] channel in
                channel.pipeline.addHTTPClientHandlers().flatMap {
                    channel.pipeline.addHandler(StreamHandler(head: head, body: body, tally: tally))
                }
            }
        for _ in 0..<streams {
            bootstrap.connect(host: "127.0.0.1", port: port).whenFailure { error in
                tally.finish(ok: false, error: "connect: \(StreamHandler.name(error))")
            }
        }
        let all = try tally.done(count: streams, timeout: timeout)
        var result = all
        result.seconds = Double(Monotonic.now() - started) / 1e9
        return result
    }
}

/// What every stream found; its methods run on the client's one event loop.
final class Tally {
    let loop: EventLoop
    private var result = StreamClient.Result()
    private var finished = 0
    private var promise: EventLoopPromise<StreamClient.Result>
    private var expected = Int.max
    private var fulfilled = false

    private func fulfil() {
        guard !fulfilled else { return }
        fulfilled = true
        promise.succeed(result)
    }

    init(loop: EventLoop) {
        self.loop = loop
        promise = loop.makePromise()
    }

    func record(delay: Int64) { result.delays.append(delay) }
    func record(firstChunk: Int64) { result.firstChunks.append(firstChunk) }

    func finish(ok: Bool, error: String?) {
        loop.execute { [self] in
            if ok { result.completed += 1 } else { result.errors[error ?? "unknown", default: 0] += 1 }
            finished += 1
            if finished == expected { fulfil() }
        }
    }

    func done(count: Int, timeout: TimeAmount) throws -> StreamClient.Result {
        let timer = loop.scheduleTask(in: timeout) { [self] in
            if !fulfilled { result.errors["not finished in time", default: 0] += expected - finished }
            fulfil()
        }
        loop.execute { [self] in
            expected = count
            if finished == expected { fulfil() }
        }
        let found = try promise.futureResult.wait()
        timer.cancel()
        return found
    }
}

/// One stream: sends the request, reads the events, scans them for `t=` and `[DONE]`.
final class StreamHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    let head: HTTPRequestHead
    let body: String
    let tally: Tally
    private var sentAt: Int64 = 0
    private var status: UInt = 0
    private var gotFirst = false
    private var done = false
    private var finished = false
    /// The unscanned tail of what came so far (an event may be split between reads).
    private var pending: [UInt8] = []

    init(head: HTTPRequestHead, body: String, tally: Tally) {
        self.head = head
        self.body = body
        self.tally = tally
    }

    static func name(_ error: any Error) -> String {
        let text = "\(error)"
        return String(text.prefix(80))
    }

    func channelActive(context: ChannelHandlerContext) {
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        sentAt = Monotonic.now()
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let response): status = response.status.code
        case .body(let buffer):
            let now = Monotonic.now()
            pending.append(contentsOf: buffer.readableBytesView)
            scan(now: now)
        case .end:
            finish(context: context, ok: status == 200 && done, error: status == 200 ? "ended without [DONE]" : "status \(status)")
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(context: context, ok: false, error: status == 0 ? "closed before an answer" : "closed mid-stream")
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        finish(context: context, ok: false, error: Self.name(error))
    }

    private func finish(context: ChannelHandlerContext, ok: Bool, error: String) {
        guard !finished else { return }
        finished = true
        tally.finish(ok: ok, error: ok ? nil : error)
        context.close(promise: nil)
    }

    /// Finds every complete `t=DIGITS` and `[DONE]` in `pending`; keeps a `t=` whose digits run to
    /// the end (more may come), else the last 5 bytes (a `[DONE]` or `t=` split between reads; a
    /// whole `t=` has 19 digits, so no complete one fits in them).
    private func scan(now: Int64) {
        let bytes = pending
        var index = 0
        var keepFrom = max(0, bytes.count - 5)
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "t"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "=") {
                var end = index + 2
                var value: Int64 = 0
                while end < bytes.count, bytes[end] >= 48, bytes[end] <= 57 {
                    value = value * 10 + Int64(bytes[end] - 48)
                    end += 1
                }
                if end == bytes.count {
                    keepFrom = index
                    break
                }
                if end > index + 2 {
                    tally.record(delay: now - value)
                    if !gotFirst {
                        gotFirst = true
                        tally.record(firstChunk: now - sentAt)
                    }
                }
                index = end
                continue
            }
            if bytes[index] == UInt8(ascii: "["), bytes.count - index >= 6, bytes[index..<(index + 6)].elementsEqual("[DONE]".utf8) {
                done = true
            }
            index += 1
        }
        pending = Array(bytes[keepFrom...])
    }
}
