public import OnCall
import TunnelManager

extension Configuration {
    /// `[[notify.webhooks]]` as on-call sends to them.
    public var onCallWebhooks: [WebhookDestination] {
        webhooks.map { webhook in
            let format: WebhookDestination.Format =
                switch webhook.format {
                case .ntfy: .ntfy
                case .slack: .slack
                case .json: .json
                }
            return WebhookDestination(name: webhook.name, url: webhook.url, format: format)
        }
    }

    /// When on-call is told: the default reminders with `[notify] startup_grace` and `flap_*`, and a bridge behind
    /// a tunnel held for the slowest such tunnel's detection time (plus 2 s for the watcher's and
    /// the probe's beat).
    public var onCallPolicy: NotificationPolicy {
        let followed = Set(bridges.compactMap(\.tunnel))
        let detection = tunnels.filter { followed.contains($0.name) }.map {
            TunnelSpec.detectionTime(mode: TunnelSpec.Mode(rawValue: $0.mode.rawValue)!, keepalive: $0.keepalive) + .seconds(2)
        }.max()
        return NotificationPolicy(
            flapThreshold: damping.threshold, flapWindow: damping.window, flapOutage: damping.outage, tunnelDetection: detection ?? .zero,
            startupGrace: startupGrace)
    }

    /// Each bridge's tunnel, by bridge name: a bridge whose tunnel is down is not paged for apart.
    public var bridgeTunnels: [String: String] {
        Dictionary(bridges.compactMap { bridge in bridge.tunnel.map { (bridge.name, $0) } }, uniquingKeysWith: { first, _ in first })
    }
}
