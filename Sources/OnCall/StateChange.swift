public import BridgeProbe
public import TunnelManager

/// One bridge or tunnel moving from one state to another: what the incident book is fed.
public struct StateChange: Sendable, Equatable {
    /// Whether the subject is a bridge or a tunnel.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// A `[[bridges]]` entry.
        case bridge
        /// A `[[tunnels]]` entry.
        case tunnel
    }

    /// The states on either side of the change.
    public enum Transition: Sendable, Equatable {
        /// A bridge's probe state changed.
        case bridge(from: BridgeState, to: BridgeState)
        /// A tunnel's state changed; `failure` is its failure class while not up.
        case tunnel(from: TunnelState, to: TunnelState, failure: FailureClass?)
    }

    /// The bridge's or tunnel's configured name.
    public var subject: String
    /// The states before and after.
    public var transition: Transition
    /// Why, in bridgekeeper's words (`"connection refused"`).
    public var reason: String?
    /// The bridge's own words, where it gave any (e.g. an auth hint).
    public var message: String?
    /// For a bridge: the tunnel its liveness follows, if any.
    public var tunnel: String?

    /// A bridge's change.
    public static func bridge(
        _ name: String, from: BridgeState, to: BridgeState, reason: String? = nil, message: String? = nil, tunnel: String? = nil
    ) -> StateChange {
        StateChange(subject: name, transition: .bridge(from: from, to: to), reason: reason, message: message, tunnel: tunnel)
    }

    /// A tunnel's change.
    public static func tunnel(
        _ name: String, from: TunnelState, to: TunnelState, failure: FailureClass? = nil, reason: String? = nil
    ) -> StateChange {
        StateChange(subject: name, transition: .tunnel(from: from, to: to, failure: failure), reason: reason)
    }

    /// Whether a bridge or a tunnel changed.
    public var kind: Kind {
        switch transition {
        case .bridge: .bridge
        case .tunnel: .tunnel
        }
    }

    /// The state before, in DESIGN.md's vocabulary.
    public var from: String {
        switch transition {
        case .bridge(let from, _): from.rawValue
        case .tunnel(let from, _, _): from.rawValue
        }
    }

    /// The state after, in DESIGN.md's vocabulary.
    public var to: String {
        switch transition {
        case .bridge(_, let to): to.rawValue
        case .tunnel(_, let to, _): to.rawValue
        }
    }
}
