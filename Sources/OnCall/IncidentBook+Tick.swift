import BridgeProbe
public import Foundation
import Platform
import Store
import TunnelManager

extension IncidentBook {
    /// Sends what time calls for: reminders and held incidents that are due, and flapping subjects that have settled.
    /// Call it at `nextDue()` or on a steady beat (a minute is plenty); calling it more often is harmless.
    public mutating func tick(at now: Date) -> [Notice] {
        var notices: [Notice] = []
        // A hold is over: what is still bad pages now, as opened when it went bad.
        for (key, held) in held.sorted(by: { $0.key < $1.key }) where held.until <= now {
            self.held[key] = nil
            // Flapping opened it meanwhile, or its tunnel's incident speaks for it now.
            if open[key] != nil || bridgeStates[held.incident.subject] == .tunnelDown && held.incident.kind == StateChange.Kind.bridge.rawValue {
                continue
            }
            var incident = held.incident
            incident.lastNotifiedAt = now
            save(incident)
            notices.append(notice(.opened, for: incident, previousState: held.from, at: now))
        }
        for incident in openIncidents {
            if incident.flapping {
                if let notice = settle(incident, at: now) { notices.append(notice) }
            } else if let notice = remind(incident, at: now) {
                notices.append(notice)
            }
        }
        pruneTransitions(at: now)
        return notices
    }

    /// When a flapping incident settles if nothing changes: one flap window after its last change,
    /// or `flapOutage` after it when that change was into a bad state.
    func settleTime(of incident: IncidentRecord) -> Date {
        let notified = incident.lastNotifiedAt ?? incident.openedAt
        let lastChange = max(transitions[incident.key]?.last ?? notified, notified)
        let quiet = currentState(of: incident).good == false ? min(policy.flapOutage, policy.flapWindow) : policy.flapWindow
        return lastChange.addingTimeInterval(quiet.timeInterval)
    }

    /// The subject's state now, and whether it is good (nil: not known since a restart).
    func currentState(of incident: IncidentRecord) -> (name: String, good: Bool?) {
        if incident.kind == StateChange.Kind.tunnel.rawValue {
            guard let state = tunnelStates[incident.subject] ?? TunnelState(rawValue: incident.state) else { return (incident.state, nil) }
            return (state.rawValue, state == .up)
        }
        let state = bridgeStates[incident.subject] ?? BridgeState(rawValue: incident.state) ?? .unknown
        return (state.rawValue, state == .unknown ? nil : state == .live)
    }

    /// Whether the subject's state is not known since a restart (a bridge not probed yet).
    func isUnknown(_ incident: IncidentRecord) -> Bool { currentState(of: incident).good == nil }

    private mutating func settle(_ incident: IncidentRecord, at now: Date) -> Notice? {
        guard now >= settleTime(of: incident) else { return nil }
        let (state, good) = currentState(of: incident)
        // Not probed since a restart: wait for a state worth reporting.
        guard let good else { return nil }
        // Counting starts afresh: its next change is an ordinary one.
        transitions[incident.key] = nil
        if good {
            // What it settles from is the flapping itself (the incident's state is its last change).
            return resolve(incident, from: "flapping", to: state, event: .settled, at: now)
        }
        var incident = incident
        incident.state = state
        incident.flapping = false
        incident.lastNotifiedAt = now
        // Reminders held back while flapping are not owed; the schedule resumes from here.
        incident.remindersSent = policy.remindersDue(after: now.timeIntervalSince(incident.openedAt))
        save(incident)
        return notice(.settled, for: incident, previousState: "flapping", at: now)
    }

    private mutating func remind(_ incident: IncidentRecord, at now: Date) -> Notice? {
        let due = policy.remindersDue(after: now.timeIntervalSince(incident.openedAt))
        guard due > incident.remindersSent, !isCoveredByTunnel(incident) else { return nil }
        var incident = incident
        incident.remindersSent = due
        incident.lastNotifiedAt = now
        save(incident)
        var notice = notice(.reminder, for: incident, previousState: nil, at: now)
        notice.duration = .seconds(max(0, now.timeIntervalSince(incident.openedAt)))
        return notice
    }

    /// Whether a bridge's incident is waiting on its tunnel's (the bridge is `tunnel_down` and the
    /// tunnel's incident is open): the tunnel's reminders speak for it.
    func isCoveredByTunnel(_ incident: IncidentRecord) -> Bool {
        guard incident.kind == StateChange.Kind.bridge.rawValue, bridgeStates[incident.subject] == .tunnelDown,
            let tunnel = bridgeTunnels[incident.subject]
        else { return false }
        return open[IncidentRecord.key(kind: .tunnel, subject: tunnel)] != nil
    }

    private mutating func pruneTransitions(at now: Date) {
        let start = now.addingTimeInterval(-policy.flapWindow.timeInterval)
        for (bridge, times) in transitions {
            let kept = times.filter { $0 > start }
            transitions[bridge] = kept.isEmpty ? nil : kept
        }
    }
}
