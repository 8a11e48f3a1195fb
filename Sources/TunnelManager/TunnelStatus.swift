public import Foundation
import Policy

/// A snapshot of one tunnel, as `bridgekeeper status` shows it.
public struct TunnelStatus: Sendable, Codable, Equatable {
    /// The tunnel's name.
    public var name: String
    /// How it is held: `reverse`, `local` or `inbound`.
    public var mode: String
    /// Its state.
    public var state: TunnelState
    /// When it entered this state.
    public var since: Date
    /// The failure class while not up.
    public var failure: FailureClass?
    /// A sentence for people: what happened and, where known, what to do.
    public var reason: String?
    /// When the next attempt is due, while waiting; nil when only a person's fix or a restart retries.
    public var retryAt: Date?
    /// The forwards.
    public var forwards: [ForwardStatus]
    /// Bytes carried from the SSH server to this host (all channels, since start).
    public var bytesIn: UInt64
    /// Bytes carried from this host to the SSH server.
    public var bytesOut: UInt64
    /// Channels open now.
    public var openChannels: Int

    /// A fresh tunnel that has not connected yet.
    public init(name: String, mode: String, forwards: [ForwardStatus], now: Date) {
        self.name = name
        self.mode = mode
        self.state = .connecting
        self.since = now
        self.forwards = forwards
        self.bytesIn = 0
        self.bytesOut = 0
        self.openChannels = 0
    }

    /// Moves to `state` (keeping `since` when the state does not change) with a failure and reason.
    mutating func enter(_ state: TunnelState, failure: FailureClass?, reason: String?) {
        if state != self.state { since = Date() }
        self.state = state
        self.failure = failure
        // Reasons quote the server (disconnect messages, debug messages) and proxy commands.
        self.reason = reason.map { UntrustedText.clean($0, limit: 1000) }
        retryAt = nil
    }

    /// Whether two snapshots differ in more than counters.
    func differsInState(from other: TunnelStatus) -> Bool {
        state != other.state || failure != other.failure || reason != other.reason || forwards != other.forwards
            || retryAt != other.retryAt
    }
}

/// One forward of a tunnel.
public struct ForwardStatus: Sendable, Codable, Equatable {
    /// The listen address as configured.
    public var listen: String
    /// The target, if any.
    public var target: String?
    /// Whether the listener exists and carries traffic.
    public var active: Bool
    /// For reverse forwards: whether a nonce sent to the server's listener came back through this
    /// session; nil when not checked (yet, or the server refused `direct-tcpip`).
    public var verified: Bool?
    /// A note, e.g. why ownership could not be verified or who owns an inbound listener.
    public var note: String?

    /// An inactive forward.
    public init(listen: String, target: String?) {
        self.listen = listen
        self.target = target
        self.active = false
    }
}
