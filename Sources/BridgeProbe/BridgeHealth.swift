public import Foundation

/// A bridge's state with hysteresis: one bad probe does not take a live bridge down, one good
/// probe brings it back. Pure: time comes in as a parameter.
///
/// - `down` and `degraded` after `failuresToFall` consecutive failing probes (default 2);
/// - `live` after `successesToRise` consecutive good ones (default 1);
/// - `auth_required`, `tunnel_down`, `exposed` and `limited` at once (they are facts, not flukes).
///
/// The same counts apply to the first verdicts after `unknown`: a bridge that starts a moment
/// after the daemon (a managed bridge, a bridge restarted at the same time) is not reported down
/// for its first refused probe. Meanwhile `reason` says what the probes saw.
public struct BridgeHealth: Sendable, Equatable {
    /// A change of state.
    public struct Transition: Sendable, Equatable {
        public var from: BridgeState
        public var to: BridgeState
        public var reason: String
        public var message: String?
        public var at: Date
    }

    /// Consecutive failures before a live bridge is called down or degraded.
    public let failuresToFall: Int
    /// Consecutive successes before a failing bridge is called live again.
    public let successesToRise: Int
    /// The current state.
    public private(set) var state: BridgeState = .unknown
    /// Since when.
    public private(set) var since: Date
    /// Why, from the verdict that set the state (refreshed by later verdicts for the same state).
    public private(set) var reason: String? = "not probed yet"
    /// The bridge's own words, where it gave any.
    public private(set) var message: String?
    private var failures = 0
    private var successes = 0

    /// A bridge not probed yet, as of `start`.
    public init(failuresToFall: Int = 2, successesToRise: Int = 1, start: Date) {
        self.failuresToFall = max(1, failuresToFall)
        self.successesToRise = max(1, successesToRise)
        since = start
    }

    /// Takes in one verdict; returns the transition it caused, if any.
    public mutating func observe(_ verdict: ProbeVerdict, at now: Date) -> Transition? {
        // How many verdicts in a row point here, and how many it takes.
        let streak: Int
        let needed: Int
        switch verdict.state {
        case .live:
            successes += 1
            failures = 0
            (streak, needed) = (successes, successesToRise)
        case .down, .degraded:
            failures += 1
            successes = 0
            (streak, needed) = (failures, failuresToFall)
        case .authRequired, .tunnelDown, .exposed, .limited, .unknown:
            failures = 0
            successes = 0
            (streak, needed) = (1, 1)
        }
        if verdict.state == state {
            reason = verdict.reason
            message = verdict.message
            return nil
        }
        guard streak >= needed else {
            if state == .unknown { reason = verdict.reason + " (not confirmed yet)" }
            return nil
        }
        let transition = Transition(from: state, to: verdict.state, reason: verdict.reason, message: verdict.message, at: now)
        state = verdict.state
        since = now
        reason = verdict.reason
        message = verdict.message
        return transition
    }
}
