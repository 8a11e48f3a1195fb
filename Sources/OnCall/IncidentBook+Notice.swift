import BridgeProbe
import Foundation
import Platform
import Store
import TunnelManager

extension IncidentBook {
    /// The notice for `incident` as it stands, with the next step and priority its state calls for.
    func notice(_ event: Notice.Event, for incident: IncidentRecord, previousState: String?, at now: Date) -> Notice {
        let kind = StateChange.Kind(rawValue: incident.kind) ?? .bridge
        let nextStep: String?
        let priority: Notice.Priority
        switch event {
        case .recovered:
            nextStep = nil
            priority = .low
        case .settled where incident.resolvedAt != nil:
            nextStep = nil
            priority = .low
        case .flapping:
            nextStep =
                (kind == .tunnel ? "check the bridge host's network" : "check the bridge's logs and its host's network")
                + "; quiet until it is steady for \(Notice.format(policy.flapWindow.timeInterval)) or down for \(Notice.format(policy.flapOutage.timeInterval))"
            priority = .normal
        case .reminder:
            nextStep = Self.nextStep(kind: kind, state: incident.state, reason: incident.reason, message: incident.message)
            priority = .normal
        case .opened, .changed, .settled:
            nextStep = Self.nextStep(kind: kind, state: incident.state, reason: incident.reason, message: incident.message)
            priority = event == .settled ? .normal : Self.priority(kind: kind, state: incident.state)
        }
        return Notice(
            event: event, key: incident.key, incidentID: incident.id, kind: kind, subject: incident.subject,
            state: incident.state, previousState: previousState, reason: incident.reason, message: incident.message,
            nextStep: nextStep, tunnel: kind == .bridge ? bridgeTunnels[incident.subject] : nil,
            bridges: kind == .tunnel ? incident.bridges : [], priority: priority, time: now)
    }

    /// How loudly a change into a bad state is told.
    static func priority(kind: StateChange.Kind, state: String) -> Notice.Priority {
        switch (kind, state) {
        case (_, "exposed"), (.tunnel, "hijacked"): .urgent
        case (.bridge, BridgeState.authRequired.rawValue), (.bridge, BridgeState.degraded.rawValue), (.bridge, BridgeState.limited.rawValue): .normal
        default: .high
        }
    }

    /// What on-call should do about a subject in `state`, where that is known. A bridge asking for
    /// sign-in gives its own hint, which wins.
    static func nextStep(kind: StateChange.Kind, state: String, reason: String?, message: String?) -> String? {
        switch kind {
        case .bridge:
            switch BridgeState(rawValue: state) {
            case .authRequired: return message ?? "sign the bridge in again"
            case .degraded: return "check the bridge's logs: it answers with errors or too slowly"
            case .down: return "check that the bridge is running on its host"
            case .tunnelDown: return "tunnel down: check the bridge host"
            case .exposed: return "restart it bound to 127.0.0.1"
            case .limited: return "nothing to do: requests go to its models' other routes until the reset; a budget in [bridges.quota] can spread the load"
            case .live, .unknown, nil: return nil
            }
        case .tunnel:
            switch TunnelState(rawValue: state) {
            case .backoff, .down: return "check the bridge host"
            case .exposed: return "set GatewayPorts no on the SSH server; the forward stays down until its listener is loopback-only"
            case .hijacked: return "find the process holding the tunnel port (bridgekeeper audit, ss -ltnp) and stop it; it may have received prompts"
            case .failed: return failedTunnelStep(failure(in: reason))
            case .connecting, .up, nil: return nil
            }
        }
    }

    private static func failedTunnelStep(_ failure: FailureClass?) -> String {
        switch failure {
        case .hostkeyUnknown: "add the server's host key to the tunnel's known_hosts"
        case .hostkeyMismatch: "verify the server's new host key out of band, then update known_hosts"
        case .authFailed: "check the tunnel key and the tunnel user's authorized_keys on the server"
        case .forwardRefused: "check the server's sshd settings for the tunnel user (AllowTcpForwarding, PermitListen)"
        default: "check the tunnel's server, key and known_hosts"
        }
    }

    /// The failure class a tunnel reason starts with (`connect_failed: …`).
    private static func failure(in reason: String?) -> FailureClass? {
        guard let reason else { return nil }
        return FailureClass.allCases.first { reason == $0.rawValue || reason.hasPrefix($0.rawValue + ":") }
    }
}
