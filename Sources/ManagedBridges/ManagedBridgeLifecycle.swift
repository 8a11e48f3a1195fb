public import Platform

/// What a managed bridge does next, decided apart from processes and threads (as `Watchdog` and
/// `ProbeSchedule` are): start the command, watch it, wait out a backoff after it ended, or finish.
/// A bridge found exposed finishes and is never started again, whatever happens after; a stop
/// finishes it too. Pure: the caller passes the times and the random numbers, so tests are tables.
public struct ManagedBridgeLifecycle: Sendable {
    /// What happened.
    public enum Event: Sendable, Equatable {
        /// The bridge's thread is ready to run it.
        case begin
        /// The command runs as `pid`, started at `at`.
        case began(pid: Int32, at: ContinuousClock.Instant)
        /// The command could not be started (`cannot start …`) at `at`.
        case couldNotStart(String, at: ContinuousClock.Instant)
        /// The command ended (`exited with status 1`) at `at`.
        case ended(String, at: ContinuousClock.Instant)
        /// A process of the bridge listened beyond loopback (its group has been killed).
        case exposed(String)
        /// The backoff's wait is over.
        case backoffOver
        /// ``ManagedBridge/stop(grace:)`` was called.
        case stopRequested
    }

    /// What to do now.
    public enum Action: Sendable, Equatable {
        /// Start the command.
        case start
        /// Watch the running command until it ends, is found exposed or is asked to stop.
        case supervise
        /// Do nothing until `until` (or a stop).
        case wait(until: ContinuousClock.Instant)
        /// End the bridge's thread.
        case finish
    }

    /// The state to publish.
    public private(set) var state: ManagedBridgeState = .stopped
    private var backoff: Backoff

    /// Failures in a row so far (the backoff's attempt).
    public var attempt: Int { backoff.attempt }

    /// A lifecycle whose restarts follow `backoff`.
    public init(backoff: Backoff) {
        self.backoff = backoff
    }

    /// Takes in `event`; `random` draws the restart delays.
    public mutating func handle(_ event: Event, random: inout some RandomNumberGenerator) -> Action {
        if case .exposed = state { return .finish }
        switch event {
        case .exposed(let reason):
            state = .exposed(reason: reason)
            return .finish
        case .stopRequested:
            state = .stopped
            return .finish
        case .begin, .backoffOver:
            state = .starting
            return .start
        case .began(let pid, let at):
            backoff.succeeded(at: at)
            state = .running(pid: pid)
            return .supervise
        case .couldNotStart(let how, let at), .ended(let how, let at):
            let until = at + Self.restartDelay(&backoff, failedAt: at, using: &random)
            state = .backoff(until: until, lastExit: how)
            return .wait(until: until)
        }
    }

    /// The delay before the next start after a failure at `now`: "equal jitter", uniform over the
    /// upper half of the backoff's ceiling, so it never collapses to nothing and grows with each
    /// failure until the cap; a run longer than the backoff's `resetAfter` starts the sequence over.
    @_spi(Testing)
    public static func restartDelay(
        _ backoff: inout Backoff, failedAt now: ContinuousClock.Instant, using random: inout some RandomNumberGenerator
    ) -> Duration {
        let drawn = backoff.failed(at: now, using: &random)
        let ceiling = backoff.ceiling(attempt: backoff.attempt - 1)
        return ceiling / 2 + drawn / 2
    }
}
