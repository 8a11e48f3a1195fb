import BridgeProbe
import Foundation
import Gateway
import Policy
import Config
import TOML
import OnCall
import Testing
import TestSupport

@Suite struct ConfigurationTests {
    static let valid = """
        [supervisor]
        state_dir = "/var/lib/bridgekeeper"
        control = "127.0.0.1:4099"

        [gateway]
        listen = "127.0.0.1:4000"
        dashboard_token_file = "$CREDENTIALS_DIRECTORY/dashboard-token"

        [[tunnels]]
        name = "macstudio"
        mode = "reverse"
        server = "tunnel@gateway.example.net:2222"
        identity_file = "${CREDENTIALS_DIRECTORY}/tunnel-key"
        known_hosts = "/etc/bridgekeeper/known_hosts"
        keepalive = "1m30s"
          [[tunnels.forwards]]
          listen = "127.0.0.1:3353"
          target = "127.0.0.1:3253"

        [[bridges]]
        name = "codex"
        url = "http://127.0.0.1:3353"
        api = "openai"
        tunnel = "macstudio"
          [bridges.probe]
          interval = "500ms"
          timeout = "200ms"

        [[bridges]]
        name = "ollama"
        url = "http://127.0.0.1:11434"
        api = "ollama"

        [[models]]
        id = "gpt-5.1-codex-mini"
        aliases = ["codex-mini"]
        routes = ["codex", "ollama"]
        price = { input_per_mtok = 0.25, output_per_mtok = 2 }

        [[notify.webhooks]]
        name = "oncall"
        url = "https://ntfy.example.net/bridges"
        format = "ntfy"
        """

    @Test func aValidConfigIsReadIntoTypes() throws {
        let config = try Configuration.parse(Self.valid, source: "gw.toml")
        #expect(config.supervisor.stateDirectory == "/var/lib/bridgekeeper")
        #expect(config.gateway?.listen == Located("127.0.0.1:4000", line: 6, key: "gateway.listen"))
        let tunnel = try #require(config.tunnels.first)
        #expect(tunnel.mode == .reverse)
        #expect(tunnel.server?.user == "tunnel")
        #expect(tunnel.server?.host == "gateway.example.net")
        #expect(tunnel.server?.port == 2222)
        #expect(tunnel.keepalive == .seconds(90))
        #expect(tunnel.forwards.first?.listen.line == 17)
        #expect(config.bridges.map(\.probe.path) == ["/v1/models", "/api/version"])
        #expect(config.bridges.first?.probe.interval == .milliseconds(500))
        #expect(config.models.first?.price?.outputPerMTok == 2)
        #expect(config.webhooks.first?.format == .ntfy)
        #expect(config.startupGrace == .seconds(60), "the default startup grace")
        #expect(config.exposureReport(policy: ExposurePolicy(source: "t")).findings.isEmpty)
    }

    @Test func credentialPathsExpandOnlyWhenUsed() throws {
        let config = try Configuration.parse(Self.valid, source: "gw.toml")
        let identity = try #require(config.tunnels.first?.identityFile)
        #expect(try identity.resolve(["CREDENTIALS_DIRECTORY": "/run/credentials/bk.service"]) == "/run/credentials/bk.service/tunnel-key")
        #expect(try config.gateway?.dashboardTokenFile?.resolve(["CREDENTIALS_DIRECTORY": "/c"]) == "/c/dashboard-token")
        #expect {
            try identity.resolve([:])
        } throws: { error in
            (error as? ConfigurationError)?.code == .unresolvedPath && "\(error)".contains("CREDENTIALS_DIRECTORY is not set")
        }
    }

    @Test func theEmbeddedDefaultIsALoopbackGateway() throws {
        let config = try Configuration.load(path: nil, environment: ["STATE_DIRECTORY": "/var/lib/bk:/var/lib/other"])
        #expect(config.source == "built-in")
        #expect(config.gateway?.listen.value == "127.0.0.1:4000")
        #expect(config.supervisor.stateDirectory == "/var/lib/bk")
        #expect(try Configuration.load(path: nil, environment: [:]).supervisor.stateDirectory == "./.bridgekeeper")
        let policy = try config.loadPolicy(override: nil, environment: [:])
        #expect(policy.source == "built-in")
        #expect(policy.exceptions.isEmpty)
        #expect(!config.exposureReport(policy: policy).hasViolations)
    }

    /// The docs tell users to copy `policy/default.toml`; it must be the policy the binary embeds
    /// (it is a link into the resources, which broke once when they moved).
    @Test func theRepositorysPolicyFileIsTheEmbeddedOne() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("policy/default.toml"), encoding: .utf8)
        #expect(text == Configuration.builtInPolicyText)
    }

    @Test("[notify] startup_grace: \"0s\" turns it off, a duration up to 1h sets it")
    func startupGrace() throws {
        for (text, expected) in [("0s", Duration.zero), ("90s", .seconds(90)), ("1h", .seconds(3600))] {
            let config = try Configuration.parse("[notify]\nstartup_grace = \"\(text)\"\n", source: "t.toml")
            #expect(config.startupGrace == expected)
        }
    }

    @Test("[notify] flap_threshold, flap_window and flap_outage set the damping; an outage longer than the window is refused")
    func damping() throws {
        #expect(try Configuration.parse("", source: "t.toml").damping == Configuration.Damping())
        let defaults = NotificationPolicy()
        #expect(Configuration.Damping() == Configuration.Damping(threshold: defaults.flapThreshold, window: defaults.flapWindow, outage: defaults.flapOutage))
        let config = try Configuration.parse("[notify]\nflap_threshold = 100\nflap_window = \"2m\"\nflap_outage = \"30s\"\n", source: "t.toml")
        #expect(config.damping.threshold == 100)
        #expect(config.damping.window == .seconds(120))
        #expect(config.damping.outage == .seconds(30))
        #expect(config.onCallPolicy.flapThreshold == 100 && config.onCallPolicy.flapOutage == .seconds(30))
        #expect(throws: ConfigurationError.self) { try Configuration.parse("[notify]\nflap_window = \"1m\"\nflap_outage = \"2m\"\n", source: "t.toml") }
        #expect(throws: ConfigurationError.self) { try Configuration.parse("[notify]\nflap_threshold = 0\n", source: "t.toml") }
    }

    @Test("a bridge behind a tunnel is held for the tunnel's detection time: 3 keepalives as libssh2 sends them (2 s at least), 3 heartbeats inbound")
    func tunnelDetection() throws {
        #expect(try Configuration.parse(Self.valid, source: "t.toml").onCallPolicy.tunnelDetection == .seconds(3 * 90 + 2))
        let fast = Self.valid.replacingOccurrences(of: "keepalive = \"1m30s\"", with: "keepalive = \"1s\"")
        #expect(try Configuration.parse(fast, source: "t.toml").onCallPolicy.tunnelDetection == .seconds(3 * 2 + 2))
        let inbound = """
            [gateway]
            listen = "127.0.0.1:4000"
            [[tunnels]]
            name = "home"
            mode = "inbound"
            user = "tunnel"
            keepalive = "1s"
            [[tunnels.forwards]]
            listen = "127.0.0.1:3353"
            [[bridges]]
            name = "codex"
            url = "http://127.0.0.1:3353"
            api = "openai"
            tunnel = "home"
            """
        #expect(try Configuration.parse(inbound, source: "t.toml").onCallPolicy.tunnelDetection == .seconds(3 * 1 + 2))
        #expect(try Configuration.parse("", source: "t.toml").onCallPolicy.tunnelDetection == .zero)
    }

    /// Each error class, with the line and key the message must name.
    @Test(arguments: [
        ("[gateway]\nlisten = \"127.0.0.1:4000\"\nlisten = \"x\"", 3, "", "duplicate key 'listen'"),
        ("[gateway]\nlisten = \"127.0.0.1:4000\"\nlistn = \"x\"", 3, "gateway.listn", "did you mean 'listen'"),
        ("[gateway]\nlisten = 4000", 2, "gateway.listen", "is integer; expected a string"),
        (bridge("a") + "[[models]]\nid = \"m\"\nroutes = [\"a\"]\n", 5, "models[0]", "models are served by the gateway, and this config has no [gateway]"),
        ("gateway = \"127.0.0.1:4000\"", 1, "gateway", "is string; expected a table"),
        ("[gateway]\n", 1, "gateway", "missing required key 'gateway.listen'"),
        (gateway + "[[tunnels]]\nname = \"t\"\nmode = \"inbound\"\nkeepalive = 5\n[[tunnels.forwards]]\nlisten = \"127.0.0.1:1\"", 7, "tunnels[0].keepalive", "durations are strings with a unit"),
        (gateway + "[[tunnels]]\nname = \"t\"\nmode = \"inbound\"\nkeepalive = \"5\"\n[[tunnels.forwards]]\nlisten = \"127.0.0.1:1\"", 7, "tunnels[0].keepalive", "not a duration"),
        (gateway + "[[tunnels]]\nname = \"t\"\nmode = \"inbound\"\nkeepalive = \"5 s\"\n[[tunnels.forwards]]\nlisten = \"127.0.0.1:1\"", 7, "tunnels[0].keepalive", "not a duration"),
        (gateway + "[[tunnels]]\nname = \"t\"\nmode = \"sideways\"\n[[tunnels.forwards]]\nlisten = \"127.0.0.1:1\"", 6, "tunnels[0].mode", "expected one of: reverse, local, inbound"),
        (gateway + "[[tunnels]]\nname = \"t\"\nmode = \"inbound\"\nserver = \"u@h\"\n[[tunnels.forwards]]\nlisten = \"127.0.0.1:1\"", 7, "tunnels[0].server", "takes no server"),
        (gateway + "[[tunnels]]\nname = \"t\"\nmode = \"reverse\"\nidentity_file = \"/k\"\nknown_hosts = \"/kh\"\n[[tunnels.forwards]]\nlisten = \"127.0.0.1:1\"\ntarget = \"127.0.0.1:2\"", 4, "tunnels[0]", "missing required key 'tunnels[0].server'"),
        (gateway + "[[tunnels]]\nname = \"t\"\nmode = \"reverse\"\nserver = \"no-user-here\"\nidentity_file = \"/k\"\nknown_hosts = \"/kh\"\n[[tunnels.forwards]]\nlisten = \"127.0.0.1:1\"\ntarget = \"127.0.0.1:2\"", 7, "tunnels[0].server", "is not user@host[:port]"),
        (gateway + "[[tunnels]]\nname = \"t\"\nmode = \"local\"\nserver = \"u@h\"\nidentity_file = \"/k\"\nknown_hosts = \"/kh\"\n[[tunnels.forwards]]\nlisten = \"127.0.0.1:1\"", 10, "tunnels[0].forwards[0]", "missing required key 'tunnels[0].forwards[0].target'"),
        (gateway + "[[tunnels]]\nname = \"t\"\nmode = \"inbound\"", 4, "tunnels[0]", "at least one [[tunnels.forwards]]"),
        (gateway + "[[tunnels]]\nname = \"t\"\nmode = \"inbound\"\nidentity_file = \"$HOME/key\"\n[[tunnels.forwards]]\nlisten = \"127.0.0.1:1\"", 7, "tunnels[0].identity_file", "only a leading $CREDENTIALS_DIRECTORY"),
        (gateway + bridge("a") + bridge("a"), 9, "bridges[1].name", "duplicate bridge name 'a' (first defined at line 5)"),
        (gateway + bridge("a") + "tunnel = \"nope\"\n", 8, "bridges[0].tunnel", "names tunnel 'nope', which is not defined"),
        (gateway + bridge("a") + "max_connections = 0\n", 8, "bridges[0].max_connections", "1"),
        (gateway + bridge("a") + "[[models]]\nid = \"m\"\nroutes = [\"a\", \"b\"]\n", 10, "models[0].routes", "routes to bridge 'b', which is not defined; defined bridges: a"),
        (gateway + bridge("a") + "[[models]]\nid = \"m\"\nroutes = []\n", 10, "models[0].routes", "is empty"),
        (gateway + bridge("a") + "[[models]]\nid = \"m\"\nroutes = [\"a\"]\n[[models]]\nid = \"n\"\naliases = [\"m\"]\nroutes = [\"a\"]\n", 13, "models[1]", "model name 'm' is already used at line 9"),
        (gateway + bridge("a b"), 5, "bridges[0].name", "is not a valid name"),
        (gateway + bridge("a") + "[bridges.probe]\ninterval = \"1s\"\ntimeout = \"2s\"\n", 10, "bridges[0].probe.timeout", "shorter than the probe interval"),
        (gateway + bridge("a") + "[bridges.probe]\npath = \"health\"\n", 9, "bridges[0].probe.path", "must start with '/'"),
        (gateway + bridge("a") + "api = \"gemini\"\n", 8, "", "duplicate key 'api'"),
        (gateway + "[[notify.webhooks]]\nname = \"w\"\nurl = \"ftp://x\"\n", 6, "notify.webhooks[0].url", "http:// or https://"),
        (gateway + "[notify]\nstartup_grace = \"2h\"\n", 5, "notify.startup_grace", "longer than 1h"),
        (gateway + "[notify]\nstartup_grace = 60\n", 5, "notify.startup_grace", "durations are strings with a unit"),
        (gateway + "[[notify.webhooks]]\nname = \"w\"\nurl = \"https://x\"\nformat = \"teams\"\n", 7, "notify.webhooks[0].format", "expected one of: ntfy, slack, json"),
        (gateway + "[[models]]\nid = \"m\"\nroutes = [\"a\"]\nprice = { input_per_mtok = -1, output_per_mtok = 1 }\n", 7, "models[0].price.input_per_mtok", "is negative"),
        (gateway + "[[bridges]]\nname = \"a\"\nurl = \"http://127.0.0.1:3253\"\napi = \"anthropic\"\nresponses = true\n", 8, "bridges[0].responses", "is for api = \"openai\" bridges"),
        (gateway + bridge("a") + "responses = \"yes\"\n", 8, "bridges[0].responses", "is string; expected true or false"),
        ("[gateway]\nlisten = \"127.0.0.1:4000\"\nping_interval = \"soon\"", 3, "gateway.ping_interval", "'soon' is not a duration"),
        ("[gateway]\nlisten = \"127.0.0.1:4000\"\nping_interval = \"0ms\"", 3, "gateway.ping_interval", "'0ms' is not a duration"),
        ("[gateway]\nlisten = \"127.0.0.1:4000\"\nping_interval = 250", 3, "gateway.ping_interval", "durations are strings with a unit"),
        (gateway + bridge("a") + "[bridges.headers]\nAuthorization = \"Bearer sk-x\"\n", 9, "bridges[0].headers.Authorization", "put the key in a file and name it in api_key_file"),
        (gateway + bridge("a") + "[bridges.headers]\nx-api-key = \"sk-x\"\n", 9, "bridges[0].headers.x-api-key", "secrets do not belong in the config"),
        (gateway + bridge("a") + "[bridges.headers]\nHost = \"evil\"\n", 9, "bridges[0].headers.Host", "is set by the gateway itself"),
        (gateway + bridge("a") + "[bridges.headers]\nX-Team = \"a\\r\\nX-Evil: 1\"\n", 9, "bridges[0].headers.X-Team", "control character"),
        (gateway + bridge("a") + "api_key_file = \"$HOME/key\"\n", 8, "bridges[0].api_key_file", "only a leading $CREDENTIALS_DIRECTORY"),
        (gateway + bridge("a") + "[bridges.quota]\nrequests = \"lots\"\n", 9, "bridges[0].quota.requests", "is not a budget; expected COUNT/WINDOW"),
        (gateway + bridge("a") + "[bridges.quota]\ncalls = \"5/day\"\n", 9, "bridges[0].quota.calls", "accepted: requests, tokens"),
    ])
    func invalidConfigsNameLineAndKey(text: String, line: Int, key: String, fragment: String) {
        #expect {
            try Configuration.parse(text, source: "bad.toml")
        } throws: { error in
            guard let error = error as? ConfigurationError, error.code == .invalid else { return false }
            let match = error.problems.contains { $0.line == line && $0.key == key && $0.message.contains(fragment) }
            if !match { Issue.record("problems were: \(error.description)") }
            return match && error.description.contains("bad.toml:\(line):")
        }
    }

    /// `responses` and `max_connections` on a bridge, `compress` on a model and `[gateway]
    /// ping_interval` are read, and reach the gateway's configuration; left out, they are off, no
    /// limit and 10 s.
    @Test func gatewayOptionsAreRead() throws {
        let text = "[gateway]\nlisten = \"127.0.0.1:4000\"\nping_interval = \"250ms\"\n\n" + Self.bridge("a") + "responses = true\nmax_connections = 500\n"
            + "[[models]]\nid = \"m\"\nroutes = [\"a\"]\ncompress = true\n"
        let config = try Configuration.parse(text, source: "gw.toml")
        #expect(config.gateway?.pingInterval == .milliseconds(250))
        #expect(config.bridges.map(\.responses) == [true])
        #expect(config.models.map(\.compress) == [true])
        let served = try #require(try config.gatewayConfiguration(policy: ExposurePolicy(source: "t"), environment: [:]))
        #expect(served.pingInterval == .milliseconds(250))
        #expect(served.bridges.map(\.servesResponses) == [true])
        #expect(served.bridges.map(\.maxConnections) == [500])
        #expect(served.models.map(\.compress) == [true])

        let plain = try Configuration.parse(Self.valid, source: "gw.toml")
        #expect(plain.gateway?.pingInterval == .seconds(10))
        #expect(plain.bridges.map(\.responses) == [false, false])
        #expect(plain.models.map(\.compress) == [false])
        let defaults = try #require(try plain.gatewayConfiguration(policy: ExposurePolicy(source: "t"), environment: ["CREDENTIALS_DIRECTORY": "/c"]))
        #expect(defaults.pingInterval == .seconds(10))
        #expect(defaults.bridges.map(\.servesResponses) == [false, false])
        #expect(defaults.bridges.map(\.maxConnections) == [nil, nil])
        #expect(defaults.maxConnections == 8192)
        #expect(defaults.models.map(\.compress) == [false])
    }

    @Test func everyProblemIsReportedAtOnce() {
        let text = "[gateway]\nlisten = 1\ncolour = \"blue\"\n[[bridges]]\nname = \"a\"\napi = \"x\"\n"
        #expect {
            try Configuration.parse(text, source: "bad.toml")
        } throws: { error in
            (error as? ConfigurationError)?.problems.map(\.line) == [2, 3, 4, 6]
        }
    }

    @Test func unreadableFilesSayWhy() {
        #expect {
            try Configuration.load(path: "/nonexistent/bridgekeeper.toml", environment: [:])
        } throws: { error in
            guard let error = error as? ConfigurationError else { return false }
            return error.code == .unreadable && error.message == "/nonexistent/bridgekeeper.toml: cannot read the config file (no such file)"
        }
    }

    @Test func aGatewayAllowedByExceptionStillNeedsClientKeys() throws {
        let policy = try ExposurePolicy.parse("[[exceptions]]\naddress = \"10.0.0.2\"\nport = 4000\nreason = \"vpn\"", source: "p.toml")
        let open = try Configuration.parse("[gateway]\nlisten = \"10.0.0.2:4000\"", source: "c.toml")
        let findings = open.exposureReport(policy: policy).findings
        #expect(findings.map(\.severity) == [.excepted, .violation])
        #expect(findings.last?.rule == "unauthenticated_gateway")
        let keyed = try Configuration.parse("[gateway]\nlisten = \"10.0.0.2:4000\"\nclient_keys_file = \"/etc/bk/keys\"", source: "c.toml")
        #expect(!keyed.exposureReport(policy: policy).hasViolations)
    }

    /// A bridge host's config: tunnels, bridges, no `[gateway]`. It is valid, and no gateway is served.
    @Test func aBridgeHostNeedsNoGateway() throws {
        let text = "[supervisor]\ncontrol = \"127.0.0.1:4099\"\n\n" + Self.bridge("codex")
        let config = try Configuration.parse(text, source: "bridge-host.toml")
        #expect(config.gateway == nil)
        #expect(try config.gatewayConfiguration(policy: ExposurePolicy(source: "t"), environment: [:]) == nil)
        #expect(try config.dashboardToken(environment: [:]) == nil)
        let report = config.exposureReport(policy: ExposurePolicy(source: "t"))
        #expect(report.checked == 2)
        #expect(!report.hasViolations)
        #expect(!config.auditTargets.contains { $0.subject == "gateway.listen" })
    }

    /// `api_key_file` (from $CREDENTIALS_DIRECTORY) is read into the header the bridge's API
    /// expects, on probes and gateway requests alike, with `[bridges.headers]`; errors name the
    /// file, never the key.
    @Test func bridgeCredentials() throws {
        let directory = try TemporaryDirectory("bridge-credentials")
        try "sk-bridge-0123\n".write(toFile: directory.path + "/litellm-key", atomically: true, encoding: .utf8)
        try "".write(toFile: directory.path + "/empty-key", atomically: true, encoding: .utf8)
        let text = Self.gateway + """
            [[bridges]]
            name = "litellm"
            url = "http://127.0.0.1:4100"
            api = "openai"
            api_key_file = "$CREDENTIALS_DIRECTORY/litellm-key"
            [bridges.headers]
            X-Team = "infra"

            [[bridges]]
            name = "claude"
            url = "http://127.0.0.1:4200"
            api = "anthropic"
            api_key_file = "${CREDENTIALS_DIRECTORY}/litellm-key"
            [bridges.quota]
            requests = "50/5h"
            tokens = "2000000/month"

            """
        let config = try Configuration.parse(text, source: "gw.toml")
        let environment = ["CREDENTIALS_DIRECTORY": directory.path]
        let targets = try config.probeTargets(environment: environment)
        #expect(targets[0].headers == ["Authorization": "Bearer sk-bridge-0123", "X-Team": "infra"])
        #expect(targets[1].headers == ["x-api-key": "sk-bridge-0123"])
        let gateway = try #require(try config.gatewayConfiguration(policy: ExposurePolicy(source: "t"), environment: environment))
        #expect(gateway.bridges.map { $0.headers } == targets.map { $0.headers })
        #expect(gateway.bridges.map { $0.quota.map(\.text) } == [[], ["50/5h", "2000000/month"]])

        let empty = try Configuration.parse(text.replacingOccurrences(of: "/litellm-key\"\n[bridges", with: "/empty-key\"\n[bridges"), source: "gw.toml")
        #expect {
            try empty.probeTargets(environment: environment)
        } throws: { error in
            "\(error)".contains("bridges[litellm].api_key_file") && "\(error)".contains("is empty")
        }
        #expect {
            try config.probeTargets(environment: [:])
        } throws: { error in
            (error as? ConfigurationError)?.code == .unresolvedPath
        }
        #expect {
            try config.probeTargets(environment: ["CREDENTIALS_DIRECTORY": directory.path + "/missing"])
        } throws: { error in
            "\(error)".contains("cannot read") && !"\(error)".contains("sk-bridge")
        }
    }

    static let gateway = "[gateway]\nlisten = \"127.0.0.1:4000\"\n\n"

    static func bridge(_ name: String) -> String {
        "[[bridges]]\nname = \"\(name)\"\nurl = \"http://127.0.0.1:3253\"\napi = \"openai\"\n"
    }
}

private let gateway = ConfigurationTests.gateway
private func bridge(_ name: String) -> String { ConfigurationTests.bridge(name) }
