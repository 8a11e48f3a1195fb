import Quota
import Foundation
import Policy
import TOML

extension Configuration {
    /// The embedded default: a loopback gateway and control endpoint, nothing else.
    public static let defaultText = String(decoding: PackageResources.default_config_toml, as: UTF8.self)

    /// Loads `path`, or the embedded default when nil. Every schema problem is reported at once.
    public static func load(path: String?, environment: [String: String]) throws(ConfigurationError) -> Configuration {
        guard let path else {
            return try parse(defaultText, source: "built-in", environment: environment)
        }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigurationError(.unreadable, "\(path): cannot read the config file (\(unreadableReason(path)))")
        }
        return try parse(text, source: path, environment: environment)
    }

    /// Parses config text; `source` names it in errors.
    public static func parse(_ text: String, source: String, environment: [String: String] = [:]) throws(ConfigurationError) -> Configuration {
        do {
            return try TOMLReader.read(text, source: source) { root in
                ConfigurationReader(root: root, source: source, environment: environment).read()
            }
        } catch {
            throw ConfigurationError(error)
        }
    }

    /// Why `path` could not be read, in plain words.
    static func unreadableReason(_ path: String) -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return "no such file" }
        if isDirectory.boolValue { return "it is a directory" }
        if !FileManager.default.isReadableFile(atPath: path) { return "permission denied" }
        return "not valid UTF-8 text"
    }
}

/// Reads the root table into a `Configuration`, recording every problem on the way.
private struct ConfigurationReader {
    let root: TOMLReader
    let source: String
    let environment: [String: String]

    func read() -> Configuration? {
        let supervisor = readSupervisor(root.table("supervisor"))
        let gatewayTable = root.table("gateway")
        let gateway = readGateway(gatewayTable)
        let tunnelTables = root.tables("tunnels")
        let bridgeTables = root.tables("bridges")
        let modelTables = root.tables("models")
        let notify = root.table("notify")
        let webhookTables = notify?.tables("webhooks") ?? []
        let startupGrace = notify.flatMap { readStartupGrace($0) } ?? .seconds(60)
        let damping = notify.map(readDamping) ?? Configuration.Damping()
        notify?.finish()
        let tunnels = tunnelTables.compactMap(readTunnel)
        let bridges = bridgeTables.compactMap(readBridge)
        let models = modelTables.compactMap(readModel)
        let webhooks = webhookTables.compactMap(readWebhook)
        unique(tunnelTables, what: "tunnel")
        unique(bridgeTables, what: "bridge")
        unique(webhookTables, what: "webhook")
        checkTunnelReferences(Set(tunnels.map(\.name)), bridgeTables)
        checkRouteReferences(Set(bridges.map(\.name)), modelTables)
        if gatewayTable == nil, let first = modelTables.first {
            first.problem(nil, "models are served by the gateway, and this config has no [gateway]; add [gateway] with listen, or remove [[models]]")
        }
        guard let supervisor, gatewayTable == nil || gateway != nil else { return nil }
        return Configuration(
            source: source, supervisor: supervisor, gateway: gateway, tunnels: tunnels, bridges: bridges,
            models: models, webhooks: webhooks, startupGrace: startupGrace, damping: damping)
    }

    /// `[notify] startup_grace`: "0s" (off) up to an hour; a longer grace would hide real outages.
    private func readStartupGrace(_ table: TOMLReader) -> Duration? {
        guard let value = duration(table, "startup_grace", allowZero: true) else { return nil }
        guard value <= .seconds(3600) else {
            table.problem("startup_grace", "is longer than 1h: a start that long would hide a real outage; use at most \"1h\"")
            return nil
        }
        return value
    }

    /// `[notify] flap_threshold`, `flap_window`, `flap_outage`; the outage may not exceed the window.
    private func readDamping(_ table: TOMLReader) -> Configuration.Damping {
        var damping = Configuration.Damping()
        if let threshold = table.integer("flap_threshold", in: 1...1000) { damping.threshold = Int(threshold.value) }
        if let window = duration(table, "flap_window") { damping.window = window }
        if let outage = duration(table, "flap_outage") {
            if outage > damping.window {
                table.problem("flap_outage", "is longer than flap_window (\(damping.window)): a flapping subject settles after the window anyway")
            } else {
                damping.outage = outage
            }
        }
        return damping
    }

    private func readSupervisor(_ table: TOMLReader?) -> Configuration.Supervisor? {
        defer { table?.finish() }
        let stateDirectory = table?.string("state_dir")?.value
            ?? environment["STATE_DIRECTORY"]?.split(separator: ":").first.map(String.init)
            ?? "./.bridgekeeper"
        let policy = table.flatMap { path($0, "policy") }
        let control = table?.string("control") ?? Located("127.0.0.1:4099", line: 0, key: "supervisor.control")
        return Configuration.Supervisor(stateDirectory: stateDirectory, policy: policy, control: control)
    }

    private func readGateway(_ table: TOMLReader?) -> Configuration.Gateway? {
        guard let table else { return nil }
        defer { table.finish() }
        let listen = table.string("listen", required: true)
        let dashboardTokenFile = path(table, "dashboard_token_file")
        let clientKeysFile = path(table, "client_keys_file")
        let pingInterval = duration(table, "ping_interval") ?? .seconds(10)
        let requestTimeout = duration(table, "request_timeout") ?? .seconds(30)
        // Matched against Host without its port, so a name is written without one.
        let publicHosts = (table.strings("public_hosts") ?? []).compactMap { host -> String? in
            let hasPort = host.value.hasPrefix("[") ? !host.value.hasSuffix("]") : host.value.contains(":")
            switch hasPort ? nil : (try? HostPort.parse(host.value, defaultPort: 443))?.host {
            case .hostname?, .address?:
                return host.value.lowercased()
            default:
                table.problem("public_hosts", "'\(host.value.prefix(64))' is not a host name or address alone; write it without scheme or port, e.g. \"gateway.example.net\"")
                return nil
            }
        }
        let corsOrigins = (table.strings("cors_origins") ?? []).compactMap { origin -> String? in
            guard Self.isOrigin(origin.value) else {
                table.problem("cors_origins", "'\(origin.value.prefix(64))' is not an origin; write scheme://host[:port], e.g. \"https://app.example.net\"")
                return nil
            }
            // Browsers leave a scheme's default port out of Origin.
            let lowered = origin.value.lowercased()
            for (scheme, port) in [("https://", ":443"), ("http://", ":80")] where lowered.hasPrefix(scheme) && lowered.hasSuffix(port) {
                return String(lowered.dropLast(port.count))
            }
            return lowered
        }
        let maxConnections = table.integer("max_connections", in: 1...65536).map { Int($0.value) } ?? 8192
        return listen.map {
            Configuration.Gateway(
                listen: $0, dashboardTokenFile: dashboardTokenFile, clientKeysFile: clientKeysFile, pingInterval: pingInterval,
                requestTimeout: requestTimeout, publicHosts: publicHosts, corsOrigins: corsOrigins, maxConnections: maxConnections)
        }
    }

    /// Whether `text` is a login name as OpenSSH and useradd accept it: `[A-Za-z_][A-Za-z0-9_.-]*`,
    /// at most 32 characters.
    static func isUserName(_ text: String) -> Bool {
        guard let first = text.first, first.isASCII, first.isLetter || first == "_", text.count <= 32 else { return false }
        return text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "." || $0 == "-") }
    }

    /// Whether `text` is an environment variable name: `[A-Za-z_][A-Za-z0-9_]*`.
    static func isVariableName(_ text: String) -> Bool {
        guard let first = text.first, first.isASCII, first.isLetter || first == "_" else { return false }
        return text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
    }

    /// Whether `text` is a browser origin: `http` or `https`, `://`, a host (name or address) and an
    /// optional port, nothing after.
    private static func isOrigin(_ text: String) -> Bool {
        for scheme in ["http://", "https://"] where text.hasPrefix(scheme) {
            let authority = String(text.dropFirst(scheme.count))
            guard !authority.isEmpty, !authority.contains("/"), let endpoint = try? HostPort.parse(authority, defaultPort: 443) else { return false }
            if case .wildcard = endpoint.host { return false }
            return true
        }
        return false
    }

    private func readTunnel(_ table: TOMLReader) -> Configuration.Tunnel? {
        defer { table.finish() }
        let name = self.name(table)
        let mode = choice(table, "mode", Configuration.TunnelMode.self, required: true)
        let server = table.string("server").flatMap { readServer($0, table) }
        let identityFile = path(table, "identity_file")
        let knownHosts = path(table, "known_hosts")
        let hostKeyAlias = table.string("host_key_alias")?.value
        let proxyCommand = table.string("proxy_command")?.value
        let keepalive = duration(table, "keepalive") ?? .seconds(5)
        let user = table.string("user", required: mode == .inbound)
        if let user {
            if mode != .inbound {
                table.problem("user", "is for inbound tunnels (the sshd user holding the listeners); a \(mode?.rawValue ?? "held") tunnel logs in as the user in 'server'")
            } else if !Self.isUserName(user.value) {
                table.problem("user", "'\(user.value.prefix(32))' is not a login name; expected letters, digits, '_', '.' and '-', starting with a letter or '_'")
            }
        }
        let forwards = table.tables("forwards").compactMap { forward -> Configuration.Forward? in
            defer { forward.finish() }
            let listen = forward.string("listen", required: true)
            let target = forward.string("target", required: mode != .inbound)
            return listen.map { Configuration.Forward(listen: $0, target: target) }
        }
        if table.value("forwards") == nil { table.problem(nil, "a tunnel needs at least one [[tunnels.forwards]]") }
        if let mode {
            let sessionKeys = ["server": server != nil, "identity_file": identityFile != nil, "known_hosts": knownHosts != nil]
            for (key, present) in sessionKeys.sorted(by: { $0.key < $1.key }) {
                if mode == .inbound && present {
                    table.problem(key, "an inbound tunnel holds no SSH session here, so it takes no \(key)")
                } else if mode != .inbound && !present && table.value(key) == nil {
                    table.problem(nil, "missing required key '\(table.keyPath(key))' for a \(mode.rawValue) tunnel")
                }
            }
        }
        guard let name, let mode else { return nil }
        return Configuration.Tunnel(
            name: name, mode: mode, server: server, identityFile: identityFile, knownHosts: knownHosts,
            hostKeyAlias: hostKeyAlias, proxyCommand: proxyCommand, keepalive: keepalive, user: mode == .inbound ? user : nil,
            forwards: forwards, line: table.line)
    }

    private func readServer(_ value: Located<String>, _ table: TOMLReader) -> Configuration.SSHServer? {
        let fail = { table.problem("server", "'\(value.value)' is not user@host[:port]") }
        guard let at = value.value.lastIndex(of: "@") else { fail(); return nil }
        let user = String(value.value[..<at])
        guard Self.isUserName(user) else {
            table.problem("server", "the user '\(user.prefix(32))' is not a login name; expected letters, digits, '_', '.' and '-', starting with a letter or '_'")
            return nil
        }
        guard let endpoint = try? HostPort.parse(String(value.value[value.value.index(after: at)...]), defaultPort: 22) else {
            fail()
            return nil
        }
        let host: String
        switch endpoint.host {
        case .address(let ip): host = "\(ip)"
        case .hostname(let name): host = name
        case .localhost: host = "localhost"
        case .wildcard: fail(); return nil
        }
        return Configuration.SSHServer(user: user, host: host, port: endpoint.port)
    }

    private func readBridge(_ table: TOMLReader) -> Configuration.Bridge? {
        defer { table.finish() }
        let name = self.name(table)
        let url = table.string("url", required: true)
        let api = choice(table, "api", Configuration.BridgeAPI.self, required: true)
        let tunnel = table.string("tunnel")?.value
        let subscription = table.string("subscription")?.value
        let responses = table.boolean("responses")
        if let responses, responses.value, api != nil, api != .openai {
            table.problem("responses", "is for api = \"openai\" bridges; \(api!.rawValue) bridges do not serve /v1/responses")
        }
        let command = table.strings("command")?.map(\.value)
        if command?.isEmpty == true { table.problem("command", "is empty; give the program and its arguments, or leave it out") }
        var environment: [String: String] = [:]
        if let envTable = table.table("env") {
            if command == nil { table.problem("env", "is the environment of a managed bridge; it takes effect only with 'command'") }
            for name in envTable.keys {
                guard let value = envTable.string(name) else { continue }
                guard Self.isVariableName(name) else {
                    envTable.problem(name, "'\(name.prefix(32))' is not a variable name; expected letters, digits and '_', not starting with a digit")
                    continue
                }
                environment[name] = value.value
            }
            envTable.finish()
        }
        let apiKeyFile = path(table, "api_key_file")
        var headers: [String: String] = [:]
        if let headerTable = table.table("headers") {
            for name in headerTable.keys {
                guard let value = headerTable.string(name) else { continue }
                if let problem = Self.headerProblem(name: name, value: value.value) {
                    headerTable.problem(name, problem)
                    continue
                }
                headers[name] = value.value
            }
            headerTable.finish()
        }
        var quota: [QuotaBudget] = []
        if let quotaTable = table.table("quota") {
            for kind in [QuotaBudget.Kind.requests, .tokens] {
                guard let text = quotaTable.string(kind.rawValue) else { continue }
                guard let budget = QuotaBudget(kind: kind, parsing: text.value) else {
                    quotaTable.problem(
                        kind.rawValue, "'\(text.value.prefix(32))' is not a budget; expected COUNT/WINDOW, such as \"300/month\", \"50/5h\" or \"1000000/day\"")
                    continue
                }
                quota.append(budget)
            }
            quotaTable.finish()
        }
        let maxConnections = table.integer("max_connections", in: 1...65536).map { Int($0.value) }
        let probeTable = table.table("probe")
        defer { probeTable?.finish() }
        let probePath = probeTable?.string("path")
        if let probePath, !probePath.value.hasPrefix("/") {
            probeTable?.problem("path", "'\(probePath.value)' must start with '/'")
        }
        let interval = probeTable.flatMap { duration($0, "interval") } ?? .seconds(10)
        let timeout = probeTable.flatMap { duration($0, "timeout") } ?? .seconds(2)
        if timeout >= interval { probeTable?.problem("timeout", "must be shorter than the probe interval (\(interval))") }
        guard let name, let url, let api else { return nil }
        let probe = Configuration.Probe(path: probePath?.value ?? api.defaultProbePath, interval: interval, timeout: timeout)
        return Configuration.Bridge(
            name: name, url: url, api: api, tunnel: tunnel, subscription: subscription, responses: responses?.value ?? false,
            command: command, environment: environment, probe: probe, apiKeyFile: apiKeyFile, headers: headers,
            quota: quota, maxConnections: maxConnections, line: table.line)
    }

    private func readModel(_ table: TOMLReader) -> Configuration.Model? {
        defer { table.finish() }
        let id = table.string("id", required: true)
        let aliases = table.strings("aliases")?.map(\.value) ?? []
        let routes = table.strings("routes", required: true)?.map(\.value)
        if routes?.isEmpty == true { table.problem("routes", "is empty; name at least one bridge") }
        var price: Configuration.Price?
        if let priceTable = table.table("price") {
            let input = priceTable.number("input_per_mtok", required: true)
            let output = priceTable.number("output_per_mtok", required: true)
            if let input, input.value < 0 { priceTable.problem("input_per_mtok", "is negative") }
            if let output, output.value < 0 { priceTable.problem("output_per_mtok", "is negative") }
            priceTable.finish()
            if let input, let output { price = Configuration.Price(inputPerMTok: input.value, outputPerMTok: output.value) }
        }
        let compress = table.boolean("compress")?.value ?? false
        guard let id, let routes else { return nil }
        return Configuration.Model(id: id.value, aliases: aliases, routes: routes, price: price, compress: compress)
    }

    private func readWebhook(_ table: TOMLReader) -> Configuration.Webhook? {
        defer { table.finish() }
        let name = self.name(table)
        let url = table.string("url", required: true)
        if let url, !(url.value.hasPrefix("https://") || url.value.hasPrefix("http://")) {
            table.problem("url", "must be an http:// or https:// URL")
        }
        let format = choice(table, "format", Configuration.WebhookFormat.self, required: false) ?? .json
        guard let name, let url else { return nil }
        return Configuration.Webhook(name: name, url: url.value, format: format)
    }

    // MARK: Cross-references

    /// Every bridge's `tunnel` names a defined tunnel.
    private func checkTunnelReferences(_ tunnelNames: Set<String>, _ bridgeTables: [TOMLReader]) {
        for table in bridgeTables {
            if let tunnel = table.string("tunnel"), !tunnelNames.contains(tunnel.value) {
                table.problem("tunnel", "names tunnel '\(tunnel.value)', which is not defined; defined tunnels: \(list(tunnelNames))")
            }
        }
    }

    /// Every model route names a defined bridge; model ids and aliases are unique together.
    private func checkRouteReferences(_ bridgeNames: Set<String>, _ modelTables: [TOMLReader]) {
        var modelNames: [String: Int] = [:]
        for table in modelTables {
            for route in table.strings("routes") ?? [] where !bridgeNames.contains(route.value) {
                table.problem("routes", line: route.line, "routes to bridge '\(route.value)', which is not defined; defined bridges: \(list(bridgeNames))")
            }
            let names = [table.string("id")].compactMap { $0 } + (table.strings("aliases") ?? [])
            for name in names {
                if let first = modelNames[name.value] {
                    table.problem(nil, line: name.line, "model name '\(name.value)' is already used at line \(first) (ids and aliases share one namespace)")
                } else {
                    modelNames[name.value] = name.line
                }
            }
        }
    }

    private func unique(_ tables: [TOMLReader], what: String) {
        var seen: [String: Int] = [:]
        for table in tables {
            guard let name = table.string("name") else { continue }
            if let first = seen[name.value] {
                table.problem("name", "duplicate \(what) name '\(name.value)' (first defined at line \(first))")
            } else {
                seen[name.value] = name.line
            }
        }
    }

    private func list(_ names: Set<String>) -> String {
        names.isEmpty ? "none" : names.sorted().joined(separator: ", ")
    }

    // MARK: Typed values

    private func name(_ table: TOMLReader) -> String? {
        guard let name = table.string("name", required: true) else { return nil }
        let allowed = name.value.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
        guard !name.value.isEmpty, name.value.count <= 64, allowed, name.value.first?.isLetter == true || name.value.first?.isNumber == true else {
            table.problem("name", "'\(name.value.prefix(64))' is not a valid name; use letters, digits, '.', '_' and '-', starting with a letter or digit")
            return nil
        }
        return name.value
    }

    private func choice<T: RawRepresentable & CaseIterable>(_ table: TOMLReader, _ key: String, _: T.Type, required: Bool) -> T? where T.RawValue == String {
        guard let text = table.string(key, required: required) else { return nil }
        guard let value = T(rawValue: text.value) else {
            table.problem(key, "'\(text.value.prefix(32))' is not accepted; expected one of: \(T.allCases.map(\.rawValue).joined(separator: ", "))")
            return nil
        }
        return value
    }

    /// The longest duration any key takes: longer waits are mistakes, and far longer ones
    /// overflowed the conversions to timers ("3000000h" trapped on the first connection).
    static let longestDuration = Duration.seconds(24 * 3600)

    private func duration(_ table: TOMLReader, _ key: String, allowZero: Bool = false) -> Duration? {
        guard let raw = table.value(key) else { return nil }
        guard case .string(let text) = raw.kind else {
            table.problem(key, "is \(raw.typeName); durations are strings with a unit, e.g. \"10s\", \"500ms\", \"5m\"")
            return nil
        }
        guard let value = Duration(configText: text), value > .zero || (allowZero && value == .zero) else {
            table.problem(key, "'\(text.prefix(32))' is not a duration; expected a positive number with a unit ms, s, m or h, e.g. \"10s\"")
            return nil
        }
        guard value <= Self.longestDuration else {
            table.problem(key, "'\(text.prefix(32))' is longer than 24h, the longest duration accepted")
            return nil
        }
        return value
    }

    /// Headers the gateway sets itself, and those that carry secrets (which belong in `api_key_file`).
    static let reservedHeaders: Set<String> = ["host", "content-length", "content-type", "transfer-encoding", "connection", "accept", "expect", "upgrade", "te", "trailer"]
    static let secretHeaders: Set<String> = ["authorization", "x-api-key", "api-key", "proxy-authorization", "cookie"]

    /// What is wrong with a `[bridges.headers]` entry, or nil.
    static func headerProblem(name: String, value: String) -> String? {
        let tokenCharacters = Set("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
        guard !name.isEmpty, name.allSatisfy(tokenCharacters.contains) else {
            return "'\(name.prefix(32))' is not a header name; expected letters, digits and '-'"
        }
        if secretHeaders.contains(name.lowercased()) {
            return "carries a secret, and secrets do not belong in the config: put the key in a file and name it in api_key_file"
        }
        if reservedHeaders.contains(name.lowercased()) || name.lowercased().hasPrefix("anthropic-") {
            return "is set by the gateway itself"
        }
        if value.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\t" || $0.value == 0x7F }) {
            return "has a control character (a line break would start another header)"
        }
        return nil
    }

    private func path(_ table: TOMLReader, _ key: String) -> PathTemplate? {
        guard let text = table.string(key) else { return nil }
        switch PathTemplate.parse(text.value) {
        case .success(let template): return template
        case .failure(let problem):
            table.problem(key, problem.message)
            return nil
        }
    }
}
