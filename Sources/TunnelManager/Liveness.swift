/// Silence detection for one SSH session.
///
/// libssh2's keepalive only sends; whether the peer is alive shows only in what arrives. The session
/// counts as dead after three keepalive intervals without a single inbound byte.
struct Liveness: Sendable {
    /// The interval keepalives are actually sent at.
    let keepalive: Duration
    /// When the last inbound byte arrived.
    private(set) var lastInbound: ContinuousClock.Instant

    /// Starts counting at `now`.
    init(keepalive: Duration, now: ContinuousClock.Instant) {
        self.keepalive = keepalive
        self.lastInbound = now
    }

    /// Silence longer than this means the session is dead.
    var deadline: Duration { keepalive * 3 }

    /// Records inbound bytes at `now`.
    mutating func heard(at now: ContinuousClock.Instant) {
        if now > lastInbound { lastInbound = now }
    }

    /// Whether the peer has been silent for three keepalive intervals at `now`.
    func isDead(at now: ContinuousClock.Instant) -> Bool {
        now - lastInbound >= deadline
    }

    /// How long from `now` until the session would count as dead.
    func remaining(at now: ContinuousClock.Instant) -> Duration {
        max(.zero, deadline - (now - lastInbound))
    }

    /// The interval libssh2 will really use for a configured one: whole seconds, at least two
    /// (libssh2 turns 1 into 2 and has no finer unit).
    static func effectiveKeepalive(_ configured: Duration) -> Duration {
        let seconds = configured.components.seconds + (configured.components.attoseconds > 0 ? 1 : 0)
        return .seconds(max(2, seconds))
    }
}
