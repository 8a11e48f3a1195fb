public import OnCall

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

    /// When on-call is told: the default policy with `[notify] startup_grace`.
    public var onCallPolicy: NotificationPolicy {
        NotificationPolicy(startupGrace: startupGrace)
    }

    /// Each bridge's tunnel, by bridge name: a bridge whose tunnel is down is not paged for apart.
    public var bridgeTunnels: [String: String] {
        Dictionary(bridges.compactMap { bridge in bridge.tunnel.map { (bridge.name, $0) } }, uniquingKeysWith: { first, _ in first })
    }
}
