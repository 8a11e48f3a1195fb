import Foundation
import Hummingbird
public import Logging
import NIOCore
import Platform
import Translation
public import ServiceLifecycle
public import Store

/// The gateway: a Hummingbird server on the policy-checked address, sending requests to bridges
/// through its ``BridgeClient``. `run()` returns on graceful shutdown after requests in flight
/// are answered (Hummingbird drains its connections), then closes the client. ``apply(_:)`` swaps
/// in a reloaded configuration's models, bridges and client keys for the requests that follow.
public struct GatewayService: Service {
    private let configuration: GatewayConfiguration
    private let settings: CurrentSettings
    private let availability: any AvailabilitySource
    private let health: RouteHealth
    private let ledger: (any RequestLedger)?
    private let dashboard: Dashboard
    private let logger: Logger
    private let onListening: @Sendable (Int) async -> Void
    private let client: BridgeClient

    /// What the dashboard reads: its token (nil: the dashboard answers 401), the ledger's store,
    /// and the bridges' and tunnels' states.
    public struct Dashboard: Sendable {
        public var token: DashboardToken?
        public var store: Store?
        public var source: any DashboardSource

        /// Makes the dashboard's inputs.
        public init(token: DashboardToken?, store: Store?, source: any DashboardSource) {
            self.token = token
            self.store = store
            self.source = source
        }
    }

    /// A gateway for `configuration`; `availability` says which bridges can serve, `health` keeps
    /// what live traffic learns about routes (nil: a new one of the gateway's own), `ledger` keeps
    /// one row per request, `onListening` hears the bound port (useful with port 0).
    public init(
        configuration: GatewayConfiguration, availability: any AvailabilitySource, health: RouteHealth? = nil, ledger: (any RequestLedger)?,
        dashboard: Dashboard, logger: Logger, onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) {
        self.configuration = configuration
        settings = CurrentSettings(ReloadableSettings(configuration))
        self.availability = availability
        self.health = health ?? RouteHealth(logger: logger)
        self.ledger = ledger
        self.dashboard = dashboard
        self.logger = logger
        self.onListening = onListening
        client = BridgeClient(configuration: Self.clientConfiguration(configuration))
    }

    /// Serves `configuration`'s models, bridges and client keys from the next request on; requests
    /// in flight finish with what they started with. Returns what differs from the configuration
    /// the gateway started with but only takes effect at the next restart (the listen address,
    /// the ping interval, the request timeout, the public hosts, CORS origins and connection
    /// limit), one line each.
    public func apply(_ configuration: GatewayConfiguration) -> [String] {
        settings.replace(with: ReloadableSettings(configuration))
        prepareTLS(for: configuration)
        let started = self.configuration
        var restart: [String] = []
        if (configuration.host, configuration.port) != (started.host, started.port) {
            restart.append("gateway listen address \(configuration.host):\(configuration.port) (still \(started.host):\(started.port))")
        }
        if configuration.pingInterval != started.pingInterval { restart.append("gateway ping_interval") }
        if configuration.requestTimeout != started.requestTimeout { restart.append("gateway request_timeout") }
        if configuration.publicHosts != started.publicHosts { restart.append("gateway public_hosts") }
        if configuration.corsOrigins != started.corsOrigins { restart.append("gateway cors_origins") }
        if configuration.maxConnections != started.maxConnections { restart.append("gateway max_connections") }
        return restart
    }

    public func run() async throws {
        prepareTLS(for: configuration)
        let (router, refusals) = router(client: client)
        let onListening = onListening
        let limits = GuardedServer.Limits(
            requestTimeout: configuration.requestTimeout, idleTimeout: configuration.clientIdleTimeout,
            maxConnections: configuration.maxConnections, maxHeaderBytes: configuration.maxHeaderBytes)
        let application = Application(
            router: router,
            server: GuardedServer.http1(limits, refused: refusals.refuse),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) },
            logger: logger)
        do {
            try await application.run()
        } catch {
            await closeLedger()
            await client.shutdown()
            throw error
        }
        await closeLedger()
        await client.shutdown()
    }

    /// How the gateway talks to bridges: its timeouts. There is no pool limit (the gateway's
    /// `max_connections` and each bridge's own bound the calls, see ``InFlightExchanges``): a call
    /// waiting for a pooled connection would fail as if the bridge were down.
    static func clientConfiguration(_ configuration: GatewayConfiguration) -> BridgeClient.Configuration {
        BridgeClient.Configuration(
            connectTimeout: GuardedServer.timeAmount(configuration.connectTimeout), readTimeout: GuardedServer.timeAmount(configuration.readTimeout))
    }

    /// The gateway's middleware and routes, sending to bridges through `client`: what `run()`
    /// serves behind its connection guards, and what the tests drive in-process.
    func router(client: BridgeClient) -> (router: Router<GatewayRequestContext>, refusals: RefusalCounter) {
        let quotas = QuotaBook(store: dashboard.store)
        let upstream = UpstreamRouter(availability: availability, health: health, quotas: quotas, client: client)
        let metrics = GatewayMetrics()
        let refusals = RefusalCounter(registry: metrics.registry, logger: logger)
        let recorder = RequestRecorder(ledger: ledger, metrics: metrics)
        let history = ResponseHistory()
        let unknownAgents = UnknownAgents()
        let models = ModelsEndpoint(settings: settings, availability: availability, health: health)
        let countTokens = CountTokensEndpoint(settings: settings, router: upstream, maxBodyBytes: configuration.maxBodyBytes)

        // The guards come first: a router's middleware applies to the routes added after it.
        let router = Router(context: GatewayRequestContext.self)
        router.add(middleware: BrowserGuard(
            rules: .init(listenHost: configuration.host, publicHosts: configuration.publicHosts, corsOrigins: configuration.corsOrigins),
            refused: refusals.refuse))
        let v1 = router.group("/v1").add(middleware: ClientKeyMiddleware(settings: settings, refusals: refusals))
        v1.get("models", use: models.handle)
        for (path, surface) in [("chat/completions", Surface.chatCompletions), ("messages", .messages), ("responses", .responses)] {
            let endpoint = CompletionEndpoint(
                surface: surface, settings: settings, router: upstream, maxBodyBytes: configuration.maxBodyBytes,
                pingInterval: configuration.pingInterval, recorder: recorder, history: history,
                unknownAgents: unknownAgents)
            v1.post(RouterPath(path), use: endpoint.handle)
        }
        v1.post("messages/count_tokens", use: countTokens.handle)
        DashboardEndpoints(token: dashboard.token, store: dashboard.store, source: dashboard.source, metrics: metrics, routes: health, unknownAgents: unknownAgents,
            quotas: quotas, settings: settings).register(on: router)
        return (router, refusals)
    }

    /// Loads the TLS trust roots on a thread of their own when `configuration` has an https bridge
    /// (reading them would block an event loop).
    private func prepareTLS(for configuration: GatewayConfiguration) {
        guard configuration.bridges.contains(where: { $0.baseURL.lowercased().hasPrefix("https:") }) else { return }
        let client = client
        DedicatedThread.start("bk-tls-roots") { client.prepareTLS() }
    }

    /// Writes the ledger's last rows once no request is served any more, so every request
    /// answered before shutdown has its row; the writes wait for SQLite, off the cooperative pool.
    private func closeLedger() async {
        guard let ledger else { return }
        await BlockingWork.run("bk-ledger-close") { ledger.close() }
    }
}
