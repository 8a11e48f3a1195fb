/// Whether a provider (a bridge) can serve a request now, and if not, why. The Supervisor computes
/// this from tunnel and probe state; the Gateway only reads it, so it imports neither.
public enum BridgeAvailability: Sendable, Equatable {
    /// Usable now.
    case usable
    /// Not usable; `code` is what clients see (`bridge_auth_required`, `tunnel_down`, `bridge_down`)
    /// and `hint` the bridge's own words where it gave any.
    case unusable(code: String, hint: String)
}

/// Where the Gateway asks about availability.
public protocol AvailabilitySource: Sendable {
    /// The availability of the named bridge.
    func availability(of bridge: String) async -> BridgeAvailability
}
