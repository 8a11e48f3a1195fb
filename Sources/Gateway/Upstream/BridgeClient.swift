import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Policy
import Synchronization

/// The gateway's HTTP/1.1 client for bridges, on the event loops its server runs on. A call is made
/// on the event loop of the task that makes it (the client's connection's, ``EventLoopExecutor``),
/// on a keep-alive connection parked on that same loop, so a request, its exchange with the bridge
/// and every relayed chunk stay on one thread. There are as many connections per bridge as calls
/// in flight: no pool limit makes a call wait (``InFlightExchanges`` bounds them, and says so).
/// Bodies pass as they come (no decompression); a redirect is an answer like any other.
final class BridgeClient: Sendable {
    /// Its timeouts.
    struct Configuration: Sendable {
        /// To set up a connection (and its TLS).
        var connectTimeout: TimeAmount
        /// Silence allowed while waiting for an answer and between its bytes.
        var readTimeout: TimeAmount
        /// The longest a whole exchange may take (a long stream included).
        var maximumExchange: TimeAmount = .hours(1)
        /// A parked connection unused this long is closed: shorter than the shortest keep-alive
        /// of common bridge servers (uvicorn and Node close idle connections after 5 s), so the
        /// client, not the bridge, ends an idle connection.
        var idleTimeout: TimeAmount = .seconds(4)
        /// How soon after the request a close of a kept connection still counts as the bridge's
        /// idle close crossing it (the bridge never read the request), so the call may go again
        /// on a new connection. A bridge that dies later, while it works on the request, is an
        /// error: a completion is never sent twice for that.
        var idleCloseWindow: TimeAmount = .milliseconds(250)
    }

    /// A `POST` of a JSON body to a bridge.
    struct Request: Sendable {
        /// The bridge's base URL (`http://127.0.0.1:3353`, perhaps with a path prefix).
        var baseURL: String
        /// The path below it (`/v1/chat/completions`).
        var path: String
        var headers: HTTPHeaders
        var body: ByteBuffer
    }

    /// A base URL as the client dials it.
    struct Target: Sendable {
        var key: BridgeConnectionPool.Key
        /// The URL's path, prefixed to every request's (`""` for none).
        var pathPrefix: String
        /// The literal address dialled; nil for a host name (only tests use one: the policy
        /// refuses them), which is resolved and is also the TLS server name.
        var address: SocketAddress?
    }

    let configuration: Configuration
    private let group: any EventLoopGroup
    private let pools = Mutex<[ObjectIdentifier: NIOLoopBound<BridgeConnectionPool>]>([:])
    private let targets = Mutex<[String: Target]>([:])
    private let tls = Mutex<Result<NIOSSLContext, any Error>?>(nil)

    init(configuration: Configuration, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.configuration = configuration
        self.group = group
    }

    /// The TLS context of https bridges: the system's trust roots, full verification (a bridge over
    /// https proves who it is), made once (a failure too, so it is not retried on every call).
    /// Loading the roots reads files: the gateway calls ``prepareTLS()`` off the event loops when
    /// its configuration, first or reloaded, has an https bridge. Nothing is loaded while no
    /// bridge speaks https.
    private func tlsContext() throws -> NIOSSLContext {
        try tls.withLock { known in
            if let known { return known }
            let made = Result { try NIOSSLContext(configuration: .makeClientConfiguration()) }
            known = made
            return made
        }.get()
    }

    /// Loads the TLS context now. Blocks: call it off the event loops and the cooperative pool.
    func prepareTLS() {
        _ = try? tlsContext()
    }

    /// Starts `request` on the caller's event loop (another of the group's when the caller is on
    /// none); ``BridgeCall/response()`` waits for the answer.
    func start(_ request: Request) throws(BridgeClientError) -> BridgeCall {
        let target = try target(of: request.baseURL)
        let loop = MultiThreadedEventLoopGroup.currentEventLoop ?? group.next()
        let call = BridgeCall(request: request, target: target, loop: loop, client: self)
        if loop.inEventLoop {
            dispatch(call, reuse: true)
        } else {
            loop.execute { self.dispatch(call, reuse: true) }
        }
        return call
    }

    /// Closes every parked connection; calls in flight go on until they end.
    func shutdown() async {
        let pools = pools.withLock { Array($0.values) }
        for pool in pools {
            try? await pool.eventLoop.submit { pool.value.closeAll() }.get()
        }
    }

    /// Sends `call` on a parked connection (with `reuse`) or a new one. On the call's loop.
    func dispatch(_ call: BridgeCall, reuse: Bool) {
        let pool = pool(of: call.loop)
        if reuse, let connection = pool.take(call.target.key) {
            return connection.send(call)
        }
        let key = call.target.key
        let boundPool = NIOLoopBound(pool, eventLoop: call.loop)
        let tls: NIOSSLContext?
        do {
            tls = key.tls ? try tlsContext() : nil
        } catch {
            return call.failed(BridgeClientError(.connectFailed, detail: "TLS cannot be set up: \(error)"))
        }
        let configuration = configuration
        let bootstrap = ClientBootstrap(group: call.loop)
            .connectTimeout(configuration.connectTimeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        let name = call.target.address == nil ? key.host : nil
                        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tls, serverHostname: name))
                    }
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(BridgeConnection(key: key, pool: boundPool.value, timeouts: configuration))
                }
            }
        let connecting = call.target.address.map { bootstrap.connect(to: $0) } ?? bootstrap.connect(host: key.host, port: key.port)
        connecting.assumeIsolated().whenComplete { result in
            switch result {
            case .success(let channel):
                guard let connection = try? channel.pipeline.syncOperations.handler(type: BridgeConnection.self) else {
                    channel.close(promise: nil)
                    return call.failed(BridgeClientError(.connectFailed, detail: "the connection could not be set up"))
                }
                connection.send(call)
            case .failure(let error):
                call.failed(BridgeClientError.connecting(error))
            }
        }
    }

    /// The pool of `loop`, made the first time a call runs there.
    private func pool(of loop: any EventLoop) -> BridgeConnectionPool {
        let idleTimeout = configuration.idleTimeout
        return pools.withLock { pools in
            if let pool = pools[ObjectIdentifier(loop)] { return pool }
            let pool = NIOLoopBound(BridgeConnectionPool(loop: loop, idleTimeout: idleTimeout), eventLoop: loop)
            pools[ObjectIdentifier(loop)] = pool
            return pool
        }.value
    }

    /// `baseURL` parsed, once per URL.
    private func target(of baseURL: String) throws(BridgeClientError) -> Target {
        if let known = targets.withLock({ $0[baseURL] }) { return known }
        let url: BridgeURL
        do {
            url = try BridgeURL(baseURL)
        } catch {
            throw BridgeClientError(.invalidURL, detail: error.message)
        }
        let host: String
        if let literal = url.literalHost {
            host = literal
        } else if case .hostname(let name) = url.endpoint.host {
            host = name
        } else {
            throw BridgeClientError(.invalidURL, detail: "no host")
        }
        let port = Int(url.endpoint.port)
        let target = Target(
            key: .init(tls: url.scheme == "https", host: host, port: port, hostHeader: url.authority), pathPrefix: url.path,
            address: url.literalHost.flatMap { try? SocketAddress(ipAddress: $0.filter { $0 != "[" && $0 != "]" }, port: port) })
        targets.withLock { $0[baseURL] = target }
        return target
    }
}
