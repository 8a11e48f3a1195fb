import BridgeProbe
public import Foundation
import Platform
public import Store
import TunnelManager

/// Decides what on-call is told, from state changes and the passing of time. A pure value: no I/O,
/// no clock of its own. The daemon feeds it every bridge and tunnel change (`handle`), calls `tick`
/// for reminders and flap settling, persists `takeChanges()` and sends the notices.
///
/// - One incident per subject (`bridge:<name>`, `tunnel:<name>`), opened on the change into a bad
///   state and resolved, with its duration, on the change back to good. `unknown` and `connecting`
///   are neutral: they neither open nor resolve.
/// - A bridge whose tunnel is down is the tunnel's incident: going `tunnel_down` never pages on its
///   own; the tunnel's incident names every bridge behind it.
/// - A bridge changing state more than `flapThreshold` times within `flapWindow` is reported once
///   as flapping, then nothing until `flapWindow` passes without a change; then one `settled`.
/// - Reminders at the policy's offsets from opening; missed ones (daemon stopped) collapse into one.
/// - For the policy's `startupGrace` after `startedAt`, a subject not yet good since the start
///   is held rather than paged: coming up meanwhile is silent, still bad when the grace ends opens
///   the incident then (from when it went bad). Exposure and hijacking are never held.
public struct IncidentBook: Sendable {
    /// What the book must remember across a restart.
    public struct Snapshot: Sendable, Equatable, Codable {
        /// The open incidents.
        public var incidents: [IncidentRecord]
        /// Per bridge, the recent changes that count towards flapping (neither side `unknown`, and
        /// not into or out of `tunnel_down` for a bridge behind a tunnel). Losing them only delays
        /// flap detection.
        public var transitions: [String: [Date]]

        /// Makes a snapshot.
        public init(incidents: [IncidentRecord] = [], transitions: [String: [Date]] = [:]) {
            self.incidents = incidents
            self.transitions = transitions
        }
    }

    /// When to remind and when a bridge is flapping.
    public let policy: NotificationPolicy
    var open: [String: IncidentRecord] = [:]
    var transitions: [String: [Date]]
    var bridgeTunnels: [String: String]
    var bridgeStates: [String: BridgeState] = [:]
    private var changed: [IncidentRecord] = []
    /// The end of the startup grace; nil without one.
    let graceEnds: Date?
    /// Subjects that have been good since the start: no longer in the grace.
    var beenGood: Set<String> = []
    /// Incidents held back by the startup grace, by key, each with the state it came from.
    var held: [String: (incident: IncidentRecord, from: String)] = [:]

    /// Makes a book. `bridgeTunnels` maps each bridge to the tunnel its liveness follows (from the
    /// config), so a tunnel's first notice can name every bridge behind it; `restoring` is what a
    /// previous run exported (resolved incidents in it are ignored); `startedAt` starts the
    /// policy's startup grace.
    public init(
        policy: NotificationPolicy = NotificationPolicy(), bridgeTunnels: [String: String] = [:], restoring snapshot: Snapshot = Snapshot(),
        startedAt: Date? = nil
    ) {
        self.policy = policy
        self.bridgeTunnels = bridgeTunnels
        graceEnds = policy.startupGrace > .zero ? startedAt?.addingTimeInterval(policy.startupGrace.timeInterval) : nil
        self.transitions = snapshot.transitions
        for incident in snapshot.incidents where incident.resolvedAt == nil {
            if let known = open[incident.key], known.openedAt > incident.openedAt { continue }
            open[incident.key] = incident
        }
    }

    /// The open incidents and flap history, for persisting.
    public var snapshot: Snapshot {
        Snapshot(incidents: openIncidents, transitions: transitions)
    }

    /// The open incidents, oldest first.
    public var openIncidents: [IncidentRecord] {
        open.values.sorted { ($0.openedAt, $0.key) < ($1.openedAt, $1.key) }
    }

    /// The incidents opened, changed or resolved since the last call, each once in its latest form:
    /// insert those with a nil `id` (then `assign` the new id), update the others by id.
    public mutating func takeChanges() -> [IncidentRecord] {
        defer { changed = [] }
        return changed
    }

    /// Records the database id of the open incident `key`, so later changes and notices carry it.
    public mutating func assign(id: Int64, toIncidentKeyed key: String) {
        open[key]?.id = id
        for index in changed.indices where changed[index].key == key && changed[index].id == nil {
            changed[index].id = id
        }
    }

    /// The earliest time `tick` will have something to do (a reminder or a flap settling), or nil.
    /// Recompute it after every `handle` and `tick`: a change can bring it forward or clear it.
    public func nextDue() -> Date? {
        let graceEnd = held.isEmpty ? nil : graceEnds
        return ([graceEnd] + open.values.map { incident -> Date? in
            if incident.flapping {
                // Settling waits for a probed state; the change that brings it recomputes this.
                return bridgeStates[incident.subject] == .unknown ? nil : settleTime(of: incident)
            }
            if isCoveredByTunnel(incident) { return nil }
            return incident.openedAt.addingTimeInterval(policy.reminderOffset(incident.remindersSent))
        }).compactMap { $0 }.min()
    }

    /// Takes in one change; returns the notices it calls for (none, or one).
    public mutating func handle(_ change: StateChange, at now: Date) -> [Notice] {
        switch change.transition {
        case .bridge(let from, let to): handleBridge(change, from: from, to: to, at: now)
        case .tunnel(let from, let to, let failure): handleTunnel(change, from: from, to: to, failure: failure, at: now)
        }
    }

    private mutating func handleBridge(_ change: StateChange, from: BridgeState, to: BridgeState, at now: Date) -> [Notice] {
        let name = change.subject
        if let tunnel = change.tunnel { bridgeTunnels[name] = tunnel }
        bridgeStates[name] = to
        guard from != to else { return [] }
        let tunnel = bridgeTunnels[name]
        let key = IncidentRecord.key(kind: .bridge, subject: name)
        let behindTunnel = to == .tunnelDown && tunnel != nil
        if tunnel == nil || (from != .tunnelDown && to != .tunnelDown), from != .unknown, to != .unknown {
            let start = now.addingTimeInterval(-policy.flapWindow.timeInterval)
            transitions[name] = (transitions[name] ?? []).filter { $0 > start } + [now]
        }
        if behindTunnel, let tunnel { fold(name, into: tunnel) }

        if var incident = open[key], incident.flapping {
            guard to != .unknown else { return [] }
            incident.state = to.rawValue
            incident.reason = change.reason
            incident.message = change.message
            save(incident)
            return []
        }
        let recent = recentChanges(of: name, at: now)
        if recent > policy.flapThreshold {
            return [startFlapping(change, from: from, to: to, changes: recent, at: now)]
        }
        if behindTunnel || to == .unknown { return [] }
        if to == .live {
            beenGood.insert(key)
            held[key] = nil
            guard let incident = open[key] else { return [] }
            return [resolve(incident, from: from == .unknown ? incident.state : from.rawValue, to: to.rawValue, event: .recovered, at: now)]
        }
        return enterBadState(
            key: key, kind: .bridge, subject: name, from: from.rawValue, to: to.rawValue, reason: change.reason,
            message: change.message, bridges: [], at: now)
    }

    private mutating func handleTunnel(
        _ change: StateChange, from: TunnelState, to: TunnelState, failure: FailureClass?, at now: Date
    ) -> [Notice] {
        guard from != to else { return [] }
        let name = change.subject
        let key = IncidentRecord.key(kind: .tunnel, subject: name)
        let reason = [failure?.rawValue, change.reason].compactMap { $0 }.joined(separator: ": ")
        switch to {
        case .connecting:
            return []
        case .up:
            beenGood.insert(key)
            held[key] = nil
            guard let incident = open[key] else { return [] }
            return [resolve(incident, from: from == .connecting ? incident.state : from.rawValue, to: to.rawValue, event: .recovered, at: now)]
        case .backoff, .down, .failed, .exposed, .hijacked:
            return enterBadState(
                key: key, kind: .tunnel, subject: name, from: from.rawValue, to: to.rawValue,
                reason: reason.isEmpty ? nil : reason, message: nil, bridges: bridgesBehind(name), at: now)
        }
    }

    /// A subject entered a bad state: opens its incident (`opened`), or updates the open one and
    /// says so once when the state differs (`changed`); the same state again is silent.
    private mutating func enterBadState(
        key: String, kind: StateChange.Kind, subject: String, from: String, to: String, reason: String?, message: String?,
        bridges: [String], at now: Date
    ) -> [Notice] {
        guard var incident = open[key] else {
            let incident = IncidentRecord(
                key: key, kind: kind.rawValue, subject: subject, state: to, reason: reason, message: message, bridges: bridges,
                openedAt: held[key]?.incident.openedAt ?? now, lastNotifiedAt: now)
            if let graceEnds, now < graceEnds, !beenGood.contains(key), !Self.urgentStates.contains(to) {
                held[key] = (incident, held[key]?.from ?? from)
                return []
            }
            held[key] = nil
            save(incident)
            return [notice(.opened, for: incident, previousState: from, at: now)]
        }
        let previous = incident.state
        incident.reason = reason
        incident.message = message
        incident.bridges = Array(Set(incident.bridges).union(bridges)).sorted()
        guard previous != to else {
            save(incident)
            return []
        }
        incident.state = to
        incident.lastNotifiedAt = now
        save(incident)
        return [notice(.changed, for: incident, previousState: previous, at: now)]
    }

    /// States that page at once, startup grace or not.
    static let urgentStates: Set<String> = [TunnelState.exposed.rawValue, TunnelState.hijacked.rawValue, BridgeState.exposed.rawValue]

    /// Every bridge known to follow `tunnel`, sorted.
    private func bridgesBehind(_ tunnel: String) -> [String] {
        bridgeTunnels.filter { $0.value == tunnel }.keys.sorted()
    }

    /// Adds a bridge that went `tunnel_down` to its tunnel's open incident, quietly.
    private mutating func fold(_ bridge: String, into tunnel: String) {
        let key = IncidentRecord.key(kind: .tunnel, subject: tunnel)
        guard var incident = open[key], !incident.bridges.contains(bridge) else { return }
        incident.bridges = (incident.bridges + [bridge]).sorted()
        save(incident)
    }

    private mutating func startFlapping(
        _ change: StateChange, from: BridgeState, to: BridgeState, changes: Int, at now: Date
    ) -> Notice {
        let key = IncidentRecord.key(kind: .bridge, subject: change.subject)
        held[key] = nil
        var incident =
            open[key]
            ?? IncidentRecord(key: key, kind: StateChange.Kind.bridge.rawValue, subject: change.subject, state: to.rawValue, openedAt: now)
        incident.state = to.rawValue
        incident.reason = change.reason
        incident.message = change.message
        incident.flapping = true
        incident.lastNotifiedAt = now
        save(incident)
        var notice = notice(.flapping, for: incident, previousState: from.rawValue, at: now)
        notice.reason = "\(changes) state changes in \(Notice.format(policy.flapWindow.timeInterval))"
        return notice
    }

    /// The number of counted changes of `bridge` within the flap window ending at `now`.
    func recentChanges(of bridge: String, at now: Date) -> Int {
        let start = now.addingTimeInterval(-policy.flapWindow.timeInterval)
        return transitions[bridge]?.count { $0 > start } ?? 0
    }

    /// Closes `incident` with a notice carrying its duration; the notice's state is the good state
    /// `to`, the stored incident keeps the bad state it reported.
    mutating func resolve(_ incident: IncidentRecord, from: String?, to: String, event: Notice.Event, at now: Date) -> Notice {
        var incident = incident
        incident.resolvedAt = now
        incident.lastNotifiedAt = now
        incident.flapping = false
        open[incident.key] = nil
        record(incident)
        var notice = notice(event, for: incident, previousState: from, at: now)
        notice.state = to
        notice.duration = .seconds(max(0, now.timeIntervalSince(incident.openedAt)))
        return notice
    }

    /// Keeps `incident` as open and queues it for persisting.
    mutating func save(_ incident: IncidentRecord) {
        open[incident.key] = incident
        record(incident)
    }

    private mutating func record(_ incident: IncidentRecord) {
        if let index = changed.firstIndex(where: { $0.key == incident.key && $0.openedAt == incident.openedAt }) {
            changed[index] = incident
        } else {
            changed.append(incident)
        }
    }
}
