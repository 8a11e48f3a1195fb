public import Foundation
public import TunnelManager

/// What `bridgekeeper status` shows: `{"tunnels": […], "bridges": […]}` (DESIGN.md's contract;
/// more fields than the contract's are included).
public struct StatusReport: Codable, Sendable {
    /// One bridge's state.
    public struct Bridge: Codable, Sendable, Equatable {
        public var name: String
        /// `live`, `auth_required`, `degraded`, `down`, `tunnel_down` or `unknown`.
        public var state: String
        public var since: Date
        public var reason: String?
        /// The bridge's own words, where it gave any.
        public var message: String?
        /// The tunnel its liveness follows.
        public var tunnel: String?
    }

    /// When the daemon started.
    public var started: Date
    public var tunnels: [TunnelStatus]
    public var bridges: [Bridge]

    /// Builds the report. Bridges are not probed yet in this build: a bridge whose tunnel is not
    /// up is `tunnel_down`, any other is `unknown`.
    public init(configuration: Configuration, tunnels: [TunnelStatus], started: Date) {
        self.started = started
        self.tunnels = tunnels
        bridges = configuration.bridges.map { bridge in
            if let name = bridge.tunnel, let tunnel = tunnels.first(where: { $0.name == name }), tunnel.state != .up {
                return Bridge(
                    name: bridge.name, state: "tunnel_down", since: tunnel.since,
                    reason: "tunnel \(name) is \(tunnel.state.rawValue)" + (tunnel.reason.map { ": \($0)" } ?? ""),
                    tunnel: name)
            }
            return Bridge(name: bridge.name, state: "unknown", since: started, reason: "not probed yet", tunnel: bridge.tunnel)
        }
    }

    /// Whether every tunnel is up and every bridge live (exit status 0 of `status`).
    public var allWell: Bool {
        tunnels.allSatisfy { $0.state == .up } && bridges.allSatisfy { $0.state == "live" }
    }

    /// The encoder for the wire and `--json`: snake_case keys, ISO 8601 dates.
    public static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return encoder
    }

    /// The matching decoder.
    public static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }

    /// A table for people.
    public func text(now: Date = Date()) -> String {
        var lines = ["TUNNEL  STATE  SINCE  FORWARDS  CHANNELS  BYTES IN/OUT  REASON"]
        for tunnel in tunnels {
            let forwards = tunnel.forwards.map { forward in
                forward.listen + (forward.target.map { "→\($0)" } ?? "") + (forward.verified == true ? " ✓" : "")
            }.joined(separator: ", ")
            var reason = [tunnel.failure?.rawValue, tunnel.reason].compactMap { $0 }.joined(separator: ": ")
            if let retry = tunnel.retryAt { reason += " (retry in \(Self.age(retry.timeIntervalSince(now))))" }
            lines.append(
                "\(tunnel.name)  \(tunnel.state.rawValue)  \(Self.age(now.timeIntervalSince(tunnel.since))) ago  \(forwards)  \(tunnel.openChannels)  \(tunnel.bytesIn)/\(tunnel.bytesOut)  \(reason)")
        }
        lines.append("")
        lines.append("BRIDGE  STATE  SINCE  REASON")
        for bridge in bridges {
            lines.append(
                "\(bridge.name)  \(bridge.state)  \(Self.age(now.timeIntervalSince(bridge.since))) ago  \([bridge.reason, bridge.message].compactMap { $0 }.joined(separator: " — "))")
        }
        return Self.align(lines)
    }

    private static func age(_ seconds: TimeInterval) -> String {
        let whole = max(0, Int(seconds.rounded()))
        if whole < 120 { return "\(whole)s" }
        if whole < 7200 { return "\(whole / 60)m" }
        return "\(whole / 3600)h\((whole % 3600) / 60)m"
    }

    /// Pads the two-space-separated columns of each block so they line up.
    private static func align(_ lines: [String]) -> String {
        var blocks: [[String]] = [[]]
        for line in lines { if line.isEmpty { blocks.append([]) } else { blocks[blocks.count - 1].append(line) } }
        return blocks.map { block in
            let rows = block.map { $0.components(separatedBy: "  ") }
            let columns = rows.map(\.count).max() ?? 0
            let widths = (0..<columns).map { column in rows.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0 }
            return rows.map { row in
                row.enumerated().map { column, cell in
                    column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
                }.joined(separator: "  ")
            }.joined(separator: "\n")
        }.joined(separator: "\n\n")
    }
}
