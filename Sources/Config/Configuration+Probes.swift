public import BridgeProbe
import Foundation
import Policy
import TOML

extension Configuration {
    /// What to probe for each bridge, with its credential and headers (`api_key_file` is read
    /// now; errors name the file, never its contents). A bridge reached through the listener of an
    /// inbound or local tunnel (the bridge's URL is that listener, on this host) reads a refusal as
    /// `tunnel_down`.
    public func probeTargets(environment: [String: String]) throws(ConfigurationError) -> [ProbeTarget] {
        try bridges.map { bridge throws(ConfigurationError) in
            let mode = bridge.tunnel.flatMap { name in tunnels.first { $0.name == name }?.mode }
            return ProbeTarget(
                name: bridge.name, baseURL: bridge.dialURL, path: bridge.probe.path, interval: bridge.probe.interval,
                timeout: bridge.probe.timeout, throughTunnel: mode == .inbound || mode == .local,
                headers: try bridge.requestHeaders(environment: environment))
        }
    }
}

extension Configuration.Bridge {
    /// The headers for every probe and request: `[bridges.headers]`, and the key from
    /// `api_key_file` as its API expects it (`x-api-key` for `anthropic`, `Authorization: Bearer`
    /// otherwise). The file's first line is the key; errors name the file, never what it holds.
    public func requestHeaders(environment: [String: String]) throws(ConfigurationError) -> [String: String] {
        var headers = self.headers
        guard let apiKeyFile else { return headers }
        let path = try apiKeyFile.resolve(environment)
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ConfigurationError(.unreadable, "bridges[\(name)].api_key_file: cannot read \(path)")
        }
        let key = text.split(whereSeparator: \.isNewline).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        guard !key.isEmpty else {
            throw ConfigurationError(.invalid, "bridges[\(name)].api_key_file: \(path) is empty")
        }
        guard key.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
            throw ConfigurationError(.invalid, "bridges[\(name)].api_key_file: \(path) holds characters a header cannot carry")
        }
        switch api {
        case .anthropic: headers["x-api-key"] = key
        case .openai, .ollama: headers["Authorization"] = "Bearer " + key
        }
        return headers
    }

    /// Where connections to the bridge go: its URL with the host as the literal address the policy
    /// judged (``BridgeURL/literal``: `localhost` is 127.0.0.1, never resolved). A URL with a host
    /// name is refused by the policy before anything connects; it is left as written.
    public var dialURL: String { (try? BridgeURL(url.value))?.literal ?? url.value }
}
