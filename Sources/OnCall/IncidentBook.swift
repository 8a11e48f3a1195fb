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
/// - A bridge behind a tunnel that goes bad is held for the policy's `tunnelDetection`: when its
///   tunnel is found down meanwhile, the outage is the tunnel's alone (one incident, not two).
/// - One damping rule for bridges and tunnels: a subject changing state more than `flapThreshold`
///   times within `flapWindow` is reported once as flapping, then nothing until it settles — one
///   `flapWindow` without a change, or bad for `flapOutage` (a real outage is never swallowed) —
///   with one `settled`, which closes the incident when good; a settled-bad one closes with
///   `recovered` like any other. A tunnel's changes are those between `up` and a bad state.
/// - Reminders at the policy's offsets from opening; missed ones (daemon stopped) collapse into one.
/// - For the policy's `startupGrace` after `startedAt`, a subject not yet good since the start
///   is held rather than paged: coming up meanwhile is silent, still bad when the grace ends opens
///   the incident then (from when it went bad). Exposure and hijacking are never held.
public struct IncidentBook: Sendable {
    /// What the book must remember across a restart.
    public struct Snapshot: Sendable, Equatable, Codable {
        /// The open incidents.
        public var incidents: [IncidentRecord]
        /// Per incident key, the recent changes that count towards flapping (for a bridge neither
        /// side `unknown`, and not into or out of `tunnel_down` behind a tunnel; for a tunnel
        /// between `up` and a bad state). Losing them only delays flap detection.
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
    /// Each tunnel's last state other than `connecting`.
    var tunnelStates: [String: TunnelState] = [:]
    private var changed: [IncidentRecord] = []
    /// The end of the startup grace; nil without one.
    let graceEnds: Date?
    /// Subjects that have been good since the start: no longer in the grace.
    var beenGood: Set<String> = []
    /// Incidents held back (startup grace, a tunnel's detection time), by key, each with the state
    /// it came from and when it pages if still bad.
    var held: [String: (incident: IncidentRecord, from: String, until: Date)] = [:]

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
        return (held.values.map { Optional($0.until) } + open.values.map { incident -> Date? in
            if incident.flapping {
                // Settling waits for a probed state; the change that brings it recomputes this.
                return isUnknown(incident) ? nil : settleTime(of: incident)
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
            countChange(key, at: now)
        }
        if behindTunnel, let tunnel {
            // Its tunnel explains what the hold kept back: the tunnel's incident, and no flap.
            if let hold = held.removeValue(forKey: key) { transitions[key]?.removeAll { $0 >= hold.incident.openedAt } }
            fold(name, into: tunnel)
        }
        guard to != .unknown else { return [] }
        if let notices = dampen(change, key: key, kind: .bridge, from: from.rawValue, to: to.rawValue, at: now) { return notices }
        if behindTunnel { return [] }
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
        guard to != .connecting else { return [] }
        let last = tunnelStates.updateValue(to, forKey: name) ?? (from == .connecting ? nil : from)
        if let last, (last == .up) != (to == .up) { countChange(key, at: now) }
        var damped = change
        damped.reason = reason.isEmpty ? nil : reason
        if let notices = dampen(damped, key: key, kind: .tunnel, from: from.rawValue, to: to.rawValue, at: now) { return notices }
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
            if let until = held[key]?.until ?? holdUntil(key: key, kind: kind, subject: subject, state: to, at: now), now < until {
                held[key] = (incident, held[key]?.from ?? from, until)
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

    /// Until when a subject entering bad state `state` now is held instead of paged: the startup
    /// grace for one not yet good since the start, a tunnel's detection time for a bridge behind
    /// one; nil to page at once (exposure and hijacking always do).
    private func holdUntil(key: String, kind: StateChange.Kind, subject: String, state: String, at now: Date) -> Date? {
        guard !Self.urgentStates.contains(state) else { return nil }
        var until: Date?
        if let graceEnds, !beenGood.contains(key) { until = graceEnds }
        if kind == .bridge, bridgeTunnels[subject] != nil, policy.tunnelDetection > .zero {
            until = max(until ?? now, now.addingTimeInterval(policy.tunnelDetection.timeInterval))
        }
        return until
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

    /// The flap damping of one change: nil when it is not damped; else its notices (a `flapping`
    /// notice when the subject starts flapping, none while it goes on).
    private mutating func dampen(
        _ change: StateChange, key: String, kind: StateChange.Kind, from: String, to: String, at now: Date
    ) -> [Notice]? {
        if var incident = open[key], incident.flapping {
            incident.state = to
            incident.reason = change.reason
            incident.message = change.message
            save(incident)
            return []
        }
        let recent = recentChanges(of: key, at: now)
        guard recent > policy.flapThreshold else { return nil }
        return [startFlapping(change, key: key, kind: kind, from: from, to: to, changes: recent, at: now)]
    }

    /// Counts a change of the subject `key` towards flapping.
    private mutating func countChange(_ key: String, at now: Date) {
        let start = now.addingTimeInterval(-policy.flapWindow.timeInterval)
        transitions[key] = (transitions[key] ?? []).filter { $0 > start } + [now]
    }

    private mutating func startFlapping(
        _ change: StateChange, key: String, kind: StateChange.Kind, from: String, to: String, changes: Int, at now: Date
    ) -> Notice {
        held[key] = nil
        var incident =
            open[key]
            ?? IncidentRecord(key: key, kind: kind.rawValue, subject: change.subject, state: to, bridges: kind == .tunnel ? bridgesBehind(change.subject) : [], openedAt: now)
        incident.state = to
        incident.reason = change.reason
        incident.message = change.message
        incident.flapping = true
        incident.lastNotifiedAt = now
        save(incident)
        var notice = notice(.flapping, for: incident, previousState: from, at: now)
        notice.reason = "\(changes) state changes in \(Notice.format(policy.flapWindow.timeInterval))"
        return notice
    }

    /// The number of counted changes of the subject `key` within the flap window ending at `now`.
    func recentChanges(of key: String, at now: Date) -> Int {
        let start = now.addingTimeInterval(-policy.flapWindow.timeInterval)
        return transitions[key]?.count { $0 > start } ?? 0
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
