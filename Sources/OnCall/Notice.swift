public import Foundation

/// One message for on-call, produced by the incident book; the journal and the webhooks render it.
public struct Notice: Sendable, Equatable {
    /// What happened to the incident.
    public enum Event: String, Sendable, Codable, CaseIterable {
        /// A subject went into a bad state.
        case opened
        /// A subject with an open incident went into a different bad state (the next step may differ).
        case changed
        /// Still broken, on the reminder schedule.
        case reminder
        /// Back to good; carries the outage's duration.
        case recovered
        /// Changing state too often; quiet until it settles.
        case flapping
        /// A flapping subject has kept one state long enough; says which.
        case settled
    }

    /// How loudly to tell; the journal and ntfy each map it to their own scale.
    public enum Priority: Int, Sendable, Comparable, CaseIterable {
        /// Good news: recoveries.
        case low
        /// Needs attention, not at once: reminders, flapping, sign-in needed.
        case normal
        /// Something is unreachable.
        case high
        /// A bridge or tunnel listened beyond loopback.
        case urgent

        /// The syslog level for `PRIORITY=`: 5 notice, 4 warning, 3 err.
        public var syslog: Int {
            switch self {
            case .low: 5
            case .normal: 4
            case .high, .urgent: 3
            }
        }

        /// ntfy's `Priority` header, 1 (min) to 5 (max).
        public var ntfy: Int {
            switch self {
            case .low: 2
            case .normal: 3
            case .high: 4
            case .urgent: 5
            }
        }

        /// Orders by loudness.
        public static func < (lhs: Priority, rhs: Priority) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    /// What happened.
    public var event: Event
    /// The incident's key (`bridge:codex`, `tunnel:macstudio`).
    public var key: String
    /// The incident's database id, when the caller has assigned one.
    public var incidentID: Int64?
    /// Bridge or tunnel.
    public var kind: StateChange.Kind
    /// The bridge's or tunnel's name.
    public var subject: String
    /// The subject's state now.
    public var state: String
    /// The state before this change, where there was a change.
    public var previousState: String?
    /// Why, in bridgekeeper's words.
    public var reason: String?
    /// The bridge's own words, where it gave any.
    public var message: String?
    /// What on-call should do next, where that is known.
    public var nextStep: String?
    /// For a bridge: its tunnel, if any.
    public var tunnel: String?
    /// For a tunnel: the bridges its outage made unreachable.
    public var bridges: [String]
    /// Recoveries and settled-good: how long the incident was open. Reminders: how long so far.
    public var duration: Duration?
    /// How loudly to tell.
    public var priority: Priority
    /// When it happened.
    public var time: Date

    /// Makes a notice.
    public init(
        event: Event, key: String, incidentID: Int64? = nil, kind: StateChange.Kind, subject: String, state: String,
        previousState: String? = nil, reason: String? = nil, message: String? = nil, nextStep: String? = nil,
        tunnel: String? = nil, bridges: [String] = [], duration: Duration? = nil, priority: Priority, time: Date
    ) {
        self.event = event
        self.key = key
        self.incidentID = incidentID
        self.kind = kind
        self.subject = subject
        self.state = state
        self.previousState = previousState
        self.reason = reason
        self.message = message
        self.nextStep = nextStep
        self.tunnel = tunnel
        self.bridges = bridges
        self.duration = duration
        self.priority = priority
        self.time = time
    }
}
