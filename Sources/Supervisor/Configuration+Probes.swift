public import BridgeProbe
import TOML

extension Configuration {
    /// What to probe for each bridge. A bridge reached through the listener of an inbound or local
    /// tunnel (the bridge's URL is that listener, on this host) reads a refusal as `tunnel_down`.
    public var probeTargets: [ProbeTarget] {
        bridges.map { bridge in
            let mode = bridge.tunnel.flatMap { name in tunnels.first { $0.name == name }?.mode }
            return ProbeTarget(
                name: bridge.name, baseURL: bridge.url.value, path: bridge.probe.path, interval: bridge.probe.interval,
                timeout: bridge.probe.timeout, throughTunnel: mode == .inbound || mode == .local)
        }
    }
}
