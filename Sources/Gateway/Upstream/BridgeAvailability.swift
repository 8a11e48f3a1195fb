public import Foundation

/// Whether a provider (a bridge) can serve a request now, and if not, why. The Supervisor computes
/// this from tunnel and probe state; the Gateway reads it, so it imports neither.
public enum BridgeAvailability: Sendable, Equatable {
    /// Usable now.
    case usable
    /// Not usable; `code` is what clients see (`bridge_auth_required`, `tunnel_down`, `bridge_down`,
    /// `bridge_limited`), `hint` the bridge's own words where it gave any, and `until` when a
    /// limited bridge resets.
    case unusable(code: String, hint: String, until: Date? = nil)
}

/// Where the Gateway asks about availability, and tells what live traffic learned that concerns a
/// whole bridge.
public protocol AvailabilitySource: Sendable {
    /// The availability of the named bridge.
    func availability(of bridge: String) async -> BridgeAvailability
    /// The bridge announced a rate or quota limit for all it serves: it is `limited` until `until`.
    /// `reason` says what it answered, with its own words.
    func limited(_ bridge: String, until: Date, reason: String)
}
