/// A tunnel's state, in DESIGN.md's vocabulary.
public enum TunnelState: String, Sendable, Codable, CaseIterable {
    /// Establishing the session or its forwards.
    case connecting
    /// Every forward is granted (and, where the server allows it, proven to be ours).
    case up
    /// Waiting before the next attempt after a failure that heals by itself.
    case backoff
    /// Inbound tunnels: no listener on a forward's port.
    case down
    /// Needs a person (host key, authentication, server policy); not retried in a loop.
    case failed
    /// A listener was not loopback-only; torn down where bridgekeeper holds the session.
    case exposed
    /// Inbound: a forward's port is held by someone other than the tunnel's sshd user, who would
    /// receive every prompt routed there; its bridges get no traffic.
    case hijacked
}

/// Why a tunnel is not up, finer than its state; shown in status and logs.
public enum FailureClass: String, Sendable, Codable, CaseIterable {
    case hostkeyUnknown = "hostkey_unknown"
    case hostkeyMismatch = "hostkey_mismatch"
    case authFailed = "auth_failed"
    case proxyFailed = "proxy_failed"
    case connectFailed = "connect_failed"
    case remotePortBusy = "remote_port_busy"
    case forwardRefused = "forward_refused"
    case exposed
    case hijacked
    case stalled
    case disconnected

    /// The state a tunnel takes after this failure.
    public var state: TunnelState {
        switch self {
        case .hostkeyUnknown, .hostkeyMismatch, .authFailed, .forwardRefused: .failed
        case .exposed: .exposed
        case .hijacked: .hijacked
        case .proxyFailed, .connectFailed, .remotePortBusy, .stalled, .disconnected: .backoff
        }
    }

    /// Whether a person must act before a retry can succeed.
    public var needsPerson: Bool { state != .backoff }
}
