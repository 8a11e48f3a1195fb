public import Gateway
public import TunnelManager

/// The dashboard's view of bridges and tunnels, from the monitor and the tunnel manager.
public struct StatusDashboard: DashboardSource {
    private let monitor: BridgeMonitor
    private let tunnelManager: TunnelManager

    /// A view of `monitor`'s bridges and `tunnels`.
    public init(monitor: BridgeMonitor, tunnels: TunnelManager) {
        self.monitor = monitor
        tunnelManager = tunnels
    }

    public func bridges() -> [BridgeSummary] {
        monitor.statuses.map { bridge in
            BridgeSummary(
                name: bridge.name, state: bridge.state, since: bridge.since, reason: bridge.reason, message: bridge.message,
                latencyMs: bridge.latencyMs, subscription: bridge.subscription, tunnel: bridge.tunnel)
        }
    }

    public func tunnels() -> [TunnelSummary] {
        tunnelManager.statuses.map { TunnelSummary(name: $0.name, state: $0.state.rawValue) }
    }
}
