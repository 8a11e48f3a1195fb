import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Platform
import Store

/// `/api/dashboard/{health,providers,subscriptions,requests,request-metrics,clients}` and
/// `/metrics` (Prometheus text), behind the dashboard's bearer token (401 without it; 401 always
/// when no token is configured). JSON with snake_case keys and ISO 8601 times.
struct DashboardEndpoints: Sendable {
    let token: DashboardToken?
    let store: Store?
    let source: any DashboardSource
    let metrics: GatewayMetrics
    /// Open circuits and limits of models, shown with each provider and in `/metrics`.
    let routes: RouteHealth
    /// User-Agents no client app was recognised in, for the `clients` view.
    let unknownAgents: UnknownAgents
    /// The budgets' standings, for `subscriptions`.
    let quotas: QuotaBook
    /// The bridges' budgets.
    let settings: CurrentSettings
    /// A client app seen within this is `live`, else `not_connected`.
    static let liveWindow: TimeInterval = 600

    func register(on router: Router<GatewayRequestContext>) {
        let group = router.group("/api/dashboard")
        group.get("health") { request, _ in try await authorized(request) { health() } }
        group.get("providers") { request, _ in try await authorized(request) { ["providers": providers()] } }
        group.get("subscriptions") { request, _ in try await authorized(request) { subscriptions() } }
        group.get("requests") { request, _ in
            let query = request.uri.queryParameters
            return try await authorized(request) { try requests(query) }
        }
        group.get("request-metrics") { request, _ in
            let query = request.uri.queryParameters
            return try await authorized(request) { try metrics(query) }
        }
        group.get("clients") { request, _ in try await authorized(request) { try clients() } }
        router.get("/metrics") { request, _ in
            try check(request)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: .init(byteBuffer: ByteBuffer(bytes: metrics.exposition(states: source, conditions: routes.conditions(), exchanges: routes.exchanges.counts(), now: routes.now()))))
        }
    }

    /// The bridges, each with what keeps requests away from it or its models now.
    private func providers() -> [BridgeSummary] {
        let conditions = routes.conditions()
        return source.bridges().map { bridge in
            var bridge = bridge
            bridge.conditions = conditions.filter { $0.bridge == bridge.name }
            return bridge
        }
    }

    private func check(_ request: Request) throws {
        guard let token, token.accepts(authorization: request.headers[.authorization]) else {
            throw GatewayError(
                .unauthorized, code: "unauthorized", type: "authentication_error",
                token == nil ? "the dashboard is off: set [gateway] dashboard_token_file" : "send the dashboard token as 'Authorization: Bearer …'")
        }
    }

    /// Checks the token, then builds and encodes the answer on a thread of its own: the ledger
    /// queries wait for SQLite, which must never hold one of the cooperative pool's threads.
    private func authorized(_ request: Request, _ body: @escaping @Sendable () throws -> some Encodable) async throws -> Response {
        try check(request)
        let data = try await BlockingWork.run("bk-dashboard") { () throws -> Data in try Self.encoder.encode(try body()) }
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    private struct Health: Encodable {
        struct Counts: Encodable {
            var total: Int
            var byState: [String: Int]
        }
        var status: String
        var database: String
        var tunnels: Counts
        var bridges: Counts
    }

    private func health() -> Health {
        let providers = source.bridges()
        let tunnels = source.tunnels()
        var database = "absent"
        if let store {
            database = (try? store.requestCount(matching: RequestFilter())) != nil ? "ok" : "error"
        }
        let allWell = database == "ok" && providers.allSatisfy { $0.state == "live" } && tunnels.allSatisfy { $0.state == "up" }
        return Health(
            status: allWell ? "ok" : "degraded", database: database,
            tunnels: .init(total: tunnels.count, byState: Dictionary(grouping: tunnels, by: \.state).mapValues(\.count)),
            bridges: .init(total: providers.count, byState: Dictionary(grouping: providers, by: \.state).mapValues(\.count)))
    }

    private struct Subscription: Encodable {
        var subscription: String
        var bridge: String
        var state: String
        var authRequired: Bool
        var message: String?
        /// Each budget (`[bridges.quota]`): used, remaining and when it resets.
        var quota: [QuotaBook.Standing]
    }

    /// Every bridge with a subscription or a budget: its state, and each budget's use and reset.
    private func subscriptions() -> [String: [Subscription]] {
        let bridges = settings.current.bridges
        return ["subscriptions": source.bridges().compactMap { provider in
            let quota = bridges[provider.name].map(quotas.standings) ?? []
            guard provider.subscription != nil || !quota.isEmpty else { return nil }
            return Subscription(
                subscription: provider.subscription ?? provider.name, bridge: provider.name, state: provider.state,
                authRequired: provider.state == "auth_required", message: provider.message, quota: quota)
        }]
    }

    private struct RequestPage: Encodable {
        var total: Int
        var limit: Int
        var offset: Int
        var requests: [RequestRecord]
    }

    private func requests(_ query: Parameters) throws -> RequestPage {
        let store = try database()
        let filter = RequestFilter(
            key: query.get("key"), caller: query.get("caller"), model: query.get("model"), bridge: query.get("bridge"),
            status: try integer(query, "status", in: 100...599))
        let limit = try integer(query, "limit", in: 1...500) ?? 50
        let offset = try integer(query, "offset", in: 0...Int.max) ?? 0
        let rows = try store.requests(matching: filter, limit: limit, offset: offset)
        return RequestPage(total: try store.requestCount(matching: filter), limit: limit, offset: offset, requests: rows)
    }

    private func metrics(_ query: Parameters) throws -> [String: [DailyRequestMetrics]] {
        let days = try integer(query, "days", in: 1...366) ?? 7
        let now = Date()
        let startOfToday = Calendar.utc.startOfDay(for: now)
        let from = startOfToday.addingTimeInterval(-Double(days - 1) * 86400)
        return ["days": try database().requestMetrics(from: from, to: now.addingTimeInterval(1))]
    }

    private struct Client: Encodable {
        var clientApp: String
        var lastSeen: Date
        var requests: Int
        var keys: [String]
        var callers: [String]
        var status: String
    }

    /// The clients view: every client app the ledger saw, and the User-Agents that named none.
    private struct Clients: Encodable {
        var clients: [Client]
        var unknownUserAgents: [UnknownAgents.Sample]
    }

    private func clients() throws -> Clients {
        let now = Date()
        let clients = try database().clients().map { summary in
            Client(
                clientApp: summary.clientApp, lastSeen: summary.lastSeen, requests: summary.requests, keys: summary.keys, callers: summary.callers,
                status: now.timeIntervalSince(summary.lastSeen) <= Self.liveWindow ? "live" : "not_connected")
        }
        return Clients(clients: clients, unknownUserAgents: unknownAgents.recent)
    }

    private func database() throws -> Store {
        guard let store else { throw GatewayError(.serviceUnavailable, code: "no_database", type: "api_error", "this gateway keeps no ledger") }
        return store
    }

    private func integer(_ query: Parameters, _ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let text = query.get(name) else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw GatewayError.invalid("'\(name)' must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    private static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}

extension Calendar {
    /// The Gregorian calendar in UTC: the ledger's days.
    fileprivate static var utc: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }
}
