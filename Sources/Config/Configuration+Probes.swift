public import BridgeProbe
import Policy
import TOML

extension Configuration {
    /// What to probe for each bridge. A bridge reached through the listener of an inbound or local
    /// tunnel (the bridge's URL is that listener, on this host) reads a refusal as `tunnel_down`.
    public var probeTargets: [ProbeTarget] {
        bridges.map { bridge in
            let mode = bridge.tunnel.flatMap { name in tunnels.first { $0.name == name }?.mode }
            return ProbeTarget(
                name: bridge.name, baseURL: bridge.dialURL, path: bridge.probe.path, interval: bridge.probe.interval,
                timeout: bridge.probe.timeout, throughTunnel: mode == .inbound || mode == .local)
        }
    }
}

extension Configuration.Bridge {
    /// Where connections to the bridge go: its URL with the host as the literal address the policy
    /// judged (``BridgeURL/literal``: `localhost` is 127.0.0.1, never resolved). A URL with a host
    /// name is refused by the policy before anything connects; it is left as written.
    public var dialURL: String { (try? BridgeURL(url.value))?.literal ?? url.value }
}
