public import Foundation

/// What the dashboard shows besides the ledger: the bridges' and tunnels' states. The Supervisor
/// provides it; the Gateway imports neither the prober nor the tunnels.
public protocol DashboardSource: Sendable {
    /// Every bridge, in config order.
    func bridges() -> [BridgeSummary]
    /// Every tunnel, in config order.
    func tunnels() -> [TunnelSummary]
}

/// A bridge as the dashboard lists it.
public struct BridgeSummary: Sendable, Equatable, Codable {
    public var name: String
    public var state: String
    public var since: Date
    public var reason: String?
    /// The bridge's own words (an auth hint).
    public var message: String?
    public var latencyMs: Double?
    public var subscription: String?
    public var tunnel: String?
    /// Open circuits and limits the gateway keeps for it or its models.
    public var conditions: [RouteCondition] = []

    /// Makes a bridge's summary.
    public init(
        name: String, state: String, since: Date, reason: String?, message: String?, latencyMs: Double?, subscription: String?,
        tunnel: String?
    ) {
        self.name = name
        self.state = state
        self.since = since
        self.reason = reason
        self.message = message
        self.latencyMs = latencyMs
        self.subscription = subscription
        self.tunnel = tunnel
    }
}

/// A tunnel as the dashboard's health summary counts it.
public struct TunnelSummary: Sendable, Equatable, Codable {
    public var name: String
    public var state: String

    /// Makes a tunnel's summary.
    public init(name: String, state: String) {
        self.name = name
        self.state = state
    }
}
