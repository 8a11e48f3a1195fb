public import Foundation
public import Gateway

/// The gateway's view of the bridges, from the monitor: a bridge serves while it is `live`, or
/// not probed yet (`unknown`: the gateway's own circuit breaker guards that moment), or `limited`
/// once its reset has passed; otherwise
/// the client hears why, with the bridge's own words where it gave any.
public struct MonitorAvailability: AvailabilitySource {
    private let monitor: BridgeMonitor

    /// Availability as `monitor` sees it.
    public init(monitor: BridgeMonitor) {
        self.monitor = monitor
    }

    public func limited(_ bridge: String, until: Date, reason: String) {
        _ = monitor.limited(bridge, until: until, reason: reason, at: Date())
    }

    public func availability(of bridge: String) async -> BridgeAvailability {
        guard let status = monitor.status(of: bridge) else {
            return .unusable(code: "bridge_down", hint: "no bridge named \(bridge) is configured")
        }
        let detail = [status.reason, status.message].compactMap { $0 }.joined(separator: " — ")
        switch status.state {
        case "live", "unknown": return .usable
        case "auth_required": return .unusable(code: "bridge_auth_required", hint: status.message ?? status.reason ?? "someone must sign in on the bridge host")
        case "tunnel_down": return .unusable(code: "tunnel_down", hint: detail)
        case "limited":
            // Usable from its reset on, before the next probe says so.
            guard let until = status.limitedUntil, until > Date() else { return .usable }
            return .unusable(code: "bridge_limited", hint: detail, until: until)
        default: return .unusable(code: "bridge_down", hint: "\(status.state): \(detail)")
        }
    }
}
