import TunnelManager

extension StatusReport {
    /// The one-line `STATUS=` systemd shows in `systemctl status`:
    /// `tunnels 1/1 up; bridges: codex live, m365 auth_required` (`bridges: none` without bridges).
    public var systemdStatus: String {
        let up = tunnels.count { $0.state == .up }
        let bridgeList = bridges.isEmpty ? "none" : bridges.map { "\($0.name) \($0.state)" }.joined(separator: ", ")
        return "tunnels \(up)/\(tunnels.count) up; bridges: \(bridgeList)"
    }
}
