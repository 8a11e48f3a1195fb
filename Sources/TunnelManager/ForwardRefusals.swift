import Policy

/// Judges a reverse forward the server refused while no listener was found on its port, across
/// the sessions of one tunnel.
///
/// Nothing listening usually means the server's policy forbids the forward. But a forward this
/// tunnel has held on this server before is refused for a while after its session dies: the
/// server refuses while the dead session's listener is still open. When the port could be
/// checked, the listener was gone by the time it was (freed between refusal and check): a busy
/// port, retried with backoff like `remote_port_busy`, and only `limit` such refusals in a row,
/// with no session up in between, let the tunnel conclude that the server forbids it. When the
/// server did not allow the check (`AllowTcpForwarding remote`), the dead session's listener may
/// still be there: the refusal counts as a busy port for `uncheckedFor`, longer than the shipped
/// sshd drop-in takes to free it (ClientAliveInterval 15 × 3), and only then as forbidden.
/// A forward never held is forbidden at its first refusal.
///
/// A pure value: the worker tells it when the tunnel came up and hands it every failure with
/// the time.
struct ForwardRefusals: Sendable {
    /// Checked refusals (nothing listens), in a row, before a forward held before counts as forbidden.
    static let limit = 3
    /// How long unchecked refusals of a forward held before count as a busy port.
    static let uncheckedFor: Duration = .seconds(120)

    /// Refusals of one listen address since the tunnel was last up.
    private struct Row {
        var count: Int
        let since: ContinuousClock.Instant
    }

    /// Listen addresses the server has granted this tunnel.
    private var held: Set<BindAddress> = []
    private var rows: [BindAddress: Row] = [:]

    /// The tunnel came up with all of `forwards` granted.
    mutating func up(_ forwards: [BindAddress]) {
        held.formUnion(forwards)
        rows = [:]
    }

    /// The failure to report for `failure`, which happened at `now`: unchanged, unless it is a
    /// refusal of a forward held before, judged busy as above, which becomes `remote_port_busy`.
    mutating func judge(_ failure: TunnelFailure, at now: ContinuousClock.Instant) -> TunnelFailure {
        guard failure.failure == .forwardRefused, let refusal = failure.refusal else { return failure }
        let listen = refusal.listen
        var row = rows[listen] ?? Row(count: 0, since: now)
        row.count += 1
        rows[listen] = row
        guard held.contains(listen) else { return failure }
        if refusal.checked {
            guard row.count < Self.limit else {
                return TunnelFailure(.forwardRefused, "\(failure.reason) (refused \(row.count) times in a row, though this tunnel held it before)")
            }
            return TunnelFailure(
                .remotePortBusy,
                "the server refused to listen on \(listen), which this tunnel held before, and nothing listens there now: most likely the previous session's listener was being freed; retrying (refusal \(row.count) of \(Self.limit) before concluding the server forbids it)")
        }
        let refusing = now - row.since
        guard refusing < Self.uncheckedFor else {
            return TunnelFailure(.forwardRefused, "\(failure.reason) (refused for \(refusing.components.seconds) s in a row, though this tunnel held it before: if a dead session still holds it, let sshd notice sooner with ClientAliveInterval)")
        }
        return TunnelFailure(
            .remotePortBusy,
            "the server refused to listen on \(listen), which this tunnel held before, and does not allow checking the port (PermitOpen \(listen)): most likely the previous session's listener is not freed yet; retrying for up to \(Self.uncheckedFor.components.seconds) s before concluding the server forbids it")
    }
}
