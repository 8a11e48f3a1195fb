public import Foundation
public import Gateway
public import TunnelManager

/// What `bridgekeeper status` shows: `{"tunnels": […], "bridges": […]}` (DESIGN.md's contract;
/// more fields than the contract's are included).
public struct StatusReport: Codable, Sendable {
    /// One bridge's state.
    public struct Bridge: Codable, Sendable, Equatable {
        public var name: String
        /// `live`, `auth_required`, `degraded`, `down`, `tunnel_down`, `exposed` or `unknown`.
        public var state: String
        public var since: Date
        public var reason: String?
        /// The bridge's own words, where it gave any.
        public var message: String?
        /// The tunnel its liveness follows.
        public var tunnel: String?
        /// The subscription it turns into an API.
        public var subscription: String?
        /// When it was last probed.
        public var lastProbe: Date?
        /// How long that probe took, in milliseconds.
        public var latencyMs: Double?
        /// The HTTP status that probe got.
        public var httpStatus: Int?
        /// When a `limited` bridge resets.
        public var limitedUntil: Date?
        /// What the gateway keeps requests away from for a while: the bridge's open circuit, its
        /// models' open circuits and limits.
        public var conditions: [RouteCondition]

        /// Makes a bridge's status.
        public init(
            name: String, state: String, since: Date, reason: String?, message: String?, tunnel: String?,
            subscription: String? = nil, lastProbe: Date? = nil, latencyMs: Double? = nil, httpStatus: Int? = nil, limitedUntil: Date? = nil,
            conditions: [RouteCondition] = []
        ) {
            self.name = name
            self.state = state
            self.since = since
            self.reason = reason
            self.message = message
            self.tunnel = tunnel
            self.subscription = subscription
            self.lastProbe = lastProbe
            self.latencyMs = latencyMs
            self.httpStatus = httpStatus
            self.limitedUntil = limitedUntil
            self.conditions = conditions
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decode(String.self, forKey: .name)
            state = try container.decode(String.self, forKey: .state)
            since = try container.decode(Date.self, forKey: .since)
            reason = try container.decodeIfPresent(String.self, forKey: .reason)
            message = try container.decodeIfPresent(String.self, forKey: .message)
            tunnel = try container.decodeIfPresent(String.self, forKey: .tunnel)
            subscription = try container.decodeIfPresent(String.self, forKey: .subscription)
            lastProbe = try container.decodeIfPresent(Date.self, forKey: .lastProbe)
            latencyMs = try container.decodeIfPresent(Double.self, forKey: .latencyMs)
            httpStatus = try container.decodeIfPresent(Int.self, forKey: .httpStatus)
            limitedUntil = try container.decodeIfPresent(Date.self, forKey: .limitedUntil)
            // A daemon from before route conditions sends none.
            conditions = try container.decodeIfPresent([RouteCondition].self, forKey: .conditions) ?? []
        }
    }

    /// When the daemon started.
    public var started: Date
    public var tunnels: [TunnelStatus]
    public var bridges: [Bridge]

    /// Makes a report; each of `conditions` goes to its bridge.
    public init(tunnels: [TunnelStatus], bridges: [Bridge], started: Date, conditions: [RouteCondition] = []) {
        self.started = started
        self.tunnels = tunnels
        self.bridges = bridges.map { bridge in
            var bridge = bridge
            bridge.conditions += conditions.filter { $0.bridge == bridge.name }
            return bridge
        }
    }

    /// Whether every tunnel is up and every bridge live with no open circuit or limit (exit
    /// status 0 of `status`).
    public var allWell: Bool {
        tunnels.allSatisfy { $0.state == .up } && bridges.allSatisfy { $0.state == "live" && $0.conditions.isEmpty }
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

    /// A table for people; with `colour`, states are green (up, live), yellow (on the way or
    /// waiting for a person's sign-in) or red (broken), for a terminal.
    public func text(now: Date = Date(), colour: Bool = false) -> String {
        var tunnelRows = [["TUNNEL", "STATE", "SINCE", "FORWARDS", "CHANNELS", "BYTES IN/OUT", "REASON"]]
        for tunnel in tunnels {
            let forwards = tunnel.forwards.map { forward in
                forward.listen + (forward.target.map { "→\($0)" } ?? "") + (forward.verified == true ? " ✓" : "")
            }.joined(separator: ", ")
            var reason = [tunnel.failure?.rawValue, tunnel.reason].compactMap { $0 }.joined(separator: ": ")
            if let retry = tunnel.retryAt { reason += " (retry in \(Self.age(retry.timeIntervalSince(now))))" }
            tunnelRows.append([
                tunnel.name, tunnel.state.rawValue, "\(Self.age(now.timeIntervalSince(tunnel.since))) ago", forwards,
                "\(tunnel.openChannels)", "\(tunnel.bytesIn)/\(tunnel.bytesOut)", reason,
            ])
        }
        var bridgeRows = [["BRIDGE", "STATE", "SINCE", "PROBE", "REASON"]]
        for bridge in bridges {
            let probe = bridge.latencyMs.map { String(format: "%.1f ms", $0) } ?? "-"
            bridgeRows.append([
                bridge.name, bridge.state, "\(Self.age(now.timeIntervalSince(bridge.since))) ago", probe,
                [bridge.reason, bridge.message].compactMap { $0 }.joined(separator: " — "),
            ])
            for condition in bridge.conditions {
                let subject = condition.model.map { "  \($0)" } ?? "  (all models)"
                bridgeRows.append([
                    subject, condition.kind.rawValue, "for \(Self.age(condition.until.timeIntervalSince(now)))", "", condition.reason,
                ])
            }
        }
        return [tunnelRows, bridgeRows].filter { $0.count > 1 }.map { Self.align($0, colour: colour) }.joined(separator: "\n\n")
    }

    private static func age(_ seconds: TimeInterval) -> String {
        let whole = max(0, Int(seconds.rounded()))
        if whole < 120 { return "\(whole)s" }
        if whole < 7200 { return "\(whole / 60)m" }
        return "\(whole / 3600)h\((whole % 3600) / 60)m"
    }

    /// Pads the columns so they line up (the last one is not padded); with `colour`, the state
    /// column of every row but the header is coloured after padding.
    private static func align(_ rows: [[String]], colour: Bool) -> String {
        let columns = rows.map(\.count).max() ?? 0
        let widths = (0..<columns).map { column in rows.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0 }
        return rows.enumerated().map { index, row in
            row.enumerated().map { column, cell in
                let padded = column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
                guard colour, index > 0, column == 1 else { return padded }
                return "\u{1B}[\(stateColour(cell))m\(padded)\u{1B}[0m"
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    /// ANSI colour codes: 32 green, 33 yellow, 31 red.
    private static func stateColour(_ state: String) -> Int {
        switch state {
        case "up", "live": 32
        case "connecting", "backoff", "auth_required", "degraded", "unknown", "limited", "circuit_open": 33
        default: 31
        }
    }
}
