import Policy

/// Judges a reverse forward the server refused while nothing listens on its port, across the
/// sessions of one tunnel.
///
/// Nothing listening usually means the server's policy forbids the forward. But a forward this
/// tunnel has held on this server before is refused for a moment after its session dies: the
/// server refuses while the dead session's listener is still open, and the listener is gone by
/// the time the port is checked. That is a busy port, retried with backoff like
/// `remote_port_busy`. Only `limit` such refusals in a row, with no session up in between, let
/// the tunnel conclude that the server forbids it (`forward_refused`).
///
/// A pure value: the worker tells it when the tunnel came up and hands it every failure.
struct ForwardRefusals: Sendable, Equatable {
    /// Refusals with nothing listening, in a row, before a forward held before counts as forbidden.
    static let limit = 3

    /// Listen addresses the server has granted this tunnel.
    private var held: Set<BindAddress> = []
    /// Refusals with nothing listening since the tunnel was last up, per listen address.
    private var refusals: [BindAddress: Int] = [:]

    /// The tunnel came up with all of `forwards` granted.
    mutating func up(_ forwards: [BindAddress]) {
        held.formUnion(forwards)
        refusals = [:]
    }

    /// The failure to report for `failure`: unchanged, unless it is a refusal with nothing
    /// listening of a forward held before, not yet refused `limit` times in a row, which becomes
    /// `remote_port_busy`.
    mutating func judge(_ failure: TunnelFailure) -> TunnelFailure {
        guard failure.failure == .forwardRefused, let listen = failure.unheldListen else { return failure }
        let count = refusals[listen, default: 0] + 1
        refusals[listen] = count
        guard held.contains(listen) else { return failure }
        guard count < Self.limit else {
            return TunnelFailure(.forwardRefused, "\(failure.reason) (refused \(count) times in a row, though this tunnel held it before)")
        }
        return TunnelFailure(
            .remotePortBusy,
            "the server refused to listen on \(listen), which this tunnel held before, and nothing listens there now: most likely the previous session's listener was being freed; retrying (refusal \(count) of \(Self.limit) before concluding the server forbids it)")
    }
}
