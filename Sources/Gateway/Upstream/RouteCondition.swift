public import Foundation

/// Something live traffic learned about a bridge, or one model on it, that keeps requests away
/// until `until`: its circuit is open (it failed in a way that says it is unwell), or it announced
/// a limit for that model. Shown by `status`, the dashboard and `/metrics`.
public struct RouteCondition: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable {
        /// Failures said the bridge (or the model on it) is unwell; requests wait out a cool-down.
        case circuitOpen = "circuit_open"
        /// The bridge announced a rate or quota limit for the model.
        case limited
    }

    public var bridge: String
    /// The model it concerns; nil for the whole bridge.
    public var model: String?
    public var kind: Kind
    public var until: Date
    /// What the bridge did, in the gateway's words with the bridge's own after a colon.
    public var reason: String

    /// Makes a condition.
    public init(bridge: String, model: String?, kind: Kind, until: Date, reason: String) {
        self.bridge = bridge
        self.model = model
        self.kind = kind
        self.until = until
        self.reason = reason
    }
}
