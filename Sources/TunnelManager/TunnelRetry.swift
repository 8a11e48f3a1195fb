import Platform
import Policy

/// When a held tunnel tries again after a failure, decided apart from sessions and threads (as
/// `Watchdog` is): failures that a retry may cure back off (``Backoff``, growing until the tunnel
/// has been up long enough); failures a person must fix wait for the fix, seen as a change of the
/// identity or known_hosts file, or for the class's own retry time, if it has one. A refusal of a
/// forward the tunnel held before is judged by ``ForwardRefusals`` first. A session that was up as
/// long as a stall takes to tell (3 × keepalive, at most 60 s) restarts the backoff, so a tunnel
/// that was serving retries at once (within the 500 ms base) after it stalls or is cut, then
/// backs off; outages close together do not inherit each other's delays. `remote_port_busy` (the
/// server still holds a dead session's listener, and frees it once it notices) is retried at
/// least every keepalive interval, so the tunnel is back soon after the listener is. Pure: the
/// caller passes the time and the random numbers, so tests are tables.
struct TunnelRetry: Sendable {
    /// What to wait for before the next attempt.
    enum Wait: Sendable, Equatable {
        /// Try again after this long.
        case backoff(Duration)
        /// Try again once a person changed a watched file, or after `atMost` when given.
        case untilFixed(atMost: Duration?)

        /// The longest this wait can last; nil for one that only a person ends.
        var longest: Duration? {
            switch self {
            case .backoff(let delay): delay
            case .untilFixed(let limit): limit
            }
        }
    }

    private var backoff: Backoff
    private var refusals = ForwardRefusals()
    private let busyRetry: Duration

    /// Retries for a tunnel whose keepalive interval is `keepalive`.
    init(keepalive: Duration = .seconds(5)) {
        busyRetry = Liveness.effectiveKeepalive(keepalive)
        backoff = Backoff(resetAfter: min(.seconds(60), busyRetry * 3))
    }

    /// How long before retrying failures a person may have fixed without bridgekeeper noticing.
    static func retryAfter(_ failure: FailureClass) -> Duration? {
        switch failure {
        case .forwardRefused: .seconds(300)
        case .exposed: .seconds(900)
        case .hostkeyUnknown, .hostkeyMismatch, .authFailed, .hijacked: nil
        case .proxyFailed, .connectFailed, .remotePortBusy, .stalled, .disconnected: nil
        }
    }

    /// The tunnel came up at `now` with all of `forwards` granted.
    mutating func up(_ forwards: [BindAddress], at now: ContinuousClock.Instant) {
        backoff.succeeded(at: now)
        refusals.up(forwards)
    }

    /// An attempt failed at `now` with `failure`: the failure to report, and what to wait for.
    mutating func failed(
        _ failure: TunnelFailure, at now: ContinuousClock.Instant, using random: inout some RandomNumberGenerator
    ) -> (failure: TunnelFailure, wait: Wait) {
        let judged = refusals.judge(failure, at: now)
        if judged.failure.needsPerson { return (judged, .untilFixed(atMost: Self.retryAfter(judged.failure))) }
        let delay = backoff.failed(at: now, using: &random)
        return (judged, .backoff(judged.failure == .remotePortBusy ? min(delay, busyRetry) : delay))
    }
}
