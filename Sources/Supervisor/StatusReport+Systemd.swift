import TunnelManager

extension StatusReport {
    /// The one-line `STATUS=` systemd shows in `systemctl status`:
    /// `tunnels 1/1 up (home up); bridges: codex live, m365 auth_required`, each tunnel and bridge
    /// by name (`tunnels 0/0 up; bridges: none` without either).
    public var systemdStatus: String {
        let up = tunnels.count { $0.state == .up }
        let tunnelList = tunnels.isEmpty ? "" : " (" + tunnels.map { "\($0.name) \($0.state.rawValue)" }.joined(separator: ", ") + ")"
        let bridgeList = bridges.isEmpty ? "none" : bridges.map { "\($0.name) \($0.state)" }.joined(separator: ", ")
        return "tunnels \(up)/\(tunnels.count) up\(tunnelList); bridges: \(bridgeList)"
    }
}
