public import Quota
public import TOML

/// A schema-valid bridgekeeper config. Addresses keep their text and line so that `check` can judge
/// every one of them and name where it was written; `run` refuses to start unless all pass.
public struct Configuration: Sendable {
    /// The config file, or `built-in` for the embedded default.
    public let source: String
    /// `[supervisor]`.
    public let supervisor: Supervisor
    /// `[gateway]`; nil when the config has none (a bridge host), and then no gateway runs.
    public let gateway: Gateway?
    /// `[[tunnels]]`, in file order.
    public let tunnels: [Tunnel]
    /// `[[bridges]]`, in file order.
    public let bridges: [Bridge]
    /// `[[models]]`, in file order.
    public let models: [Model]
    /// `[[notify.webhooks]]`, in file order.
    public let webhooks: [Webhook]
    /// `[notify] startup_grace`: after a start, how long a tunnel or bridge not yet up may take
    /// before it pages (default 60 s; "0s" pages at once).
    public let startupGrace: Duration
    /// `[notify] flap_*`: when a bridge or tunnel counts as flapping, and when it settles.
    public let damping: Damping

    /// Flap damping: more than `threshold` changes within `window` is flapping; it settles after a
    /// `window` without a change, or bad for `outage` (which pages: no outage is swallowed).
    public struct Damping: Sendable, Equatable {
        public var threshold: Int
        public var window: Duration
        public var outage: Duration

        /// The `[notify]` defaults: more than 4 changes in 10 min, settled bad after 1 min (on-call's
        /// own defaults too; a test holds them equal).
        public init(threshold: Int = 4, window: Duration = .seconds(600), outage: Duration = .seconds(60)) {
            self.threshold = threshold
            self.window = window
            self.outage = outage
        }
    }

    /// `[supervisor]`: where state lives, which policy applies, where the control endpoint listens.
    public struct Supervisor: Sendable {
        /// The directory holding the database.
        public let stateDirectory: String
        /// The operator's policy file; nil means the built-in policy.
        public let policy: PathTemplate?
        /// The loopback control/status endpoint.
        public let control: Located<String>
    }

    /// `[gateway]`.
    public struct Gateway: Sendable {
        /// Where the gateway listens.
        public let listen: Located<String>
        /// The file holding the dashboard's bearer token.
        public let dashboardTokenFile: PathTemplate?
        /// The file holding client keys; required when the gateway is not on loopback.
        public let clientKeysFile: PathTemplate?
        /// Upstream silence after which a translated Anthropic stream gets a `ping` (default 10 s).
        public let pingInterval: Duration
        /// How long a client may take to send a request's head, and then its body (default 30 s).
        public let requestTimeout: Duration
        /// Names a reverse proxy publishes the gateway under, accepted as `Host`.
        public let publicHosts: [String]
        /// Browser origins that get CORS headers.
        public let corsOrigins: [String]
        /// Connections open at once beyond this are answered 503 (default 1024).
        public let maxConnections: Int
    }

    /// How a tunnel is held.
    public enum TunnelMode: String, Sendable, CaseIterable {
        /// `ssh -R`: this host holds the session; listeners are on the server.
        case reverse
        /// `ssh -L`: this host holds the session and listens here.
        case local
        /// A peer's reverse tunnel into this host: watched, not held.
        case inbound
    }

    /// `user@host:port` of an SSH server.
    public struct SSHServer: Sendable {
        /// The login name.
        public let user: String
        /// The server's host name or address (not a bind, so any name is fine).
        public let host: String
        /// The SSH port.
        public let port: UInt16
    }

    /// One `[[tunnels.forwards]]` entry.
    public struct Forward: Sendable {
        /// Where the forward listens (on the server for reverse, here for local and inbound).
        public let listen: Located<String>
        /// Where connections go; optional for inbound tunnels, whose target is the peer's business.
        public let target: Located<String>?
    }

    /// One `[[tunnels]]` entry.
    public struct Tunnel: Sendable {
        /// Unique name.
        public let name: String
        /// How it is held.
        public let mode: TunnelMode
        /// The SSH server (reverse and local only).
        public let server: SSHServer?
        /// The private key file (reverse and local only).
        public let identityFile: PathTemplate?
        /// The known_hosts file (reverse and local only).
        public let knownHosts: PathTemplate?
        /// The name to look the host key up under, when it differs from the server's host.
        public let hostKeyAlias: String?
        /// A ProxyCommand such as `cloudflared access ssh --hostname %h`.
        public let proxyCommand: String?
        /// Keepalive interval; three intervals of silence mean the session is dead.
        public let keepalive: Duration
        /// Inbound only: the sshd user whose listeners are the tunnel (any other owner is `hijacked`).
        public let user: Located<String>?
        /// The forwards, at least one.
        public let forwards: [Forward]
        /// The line of the `[[tunnels]]` header.
        public let line: Int
    }

    /// The wire API a bridge speaks.
    public enum BridgeAPI: String, Sendable, CaseIterable {
        case openai, anthropic, ollama

        /// A probe path that never costs money.
        public var defaultProbePath: String {
            switch self {
            case .openai, .anthropic: "/v1/models"
            case .ollama: "/api/version"
            }
        }
    }

    /// `[bridges.probe]`.
    public struct Probe: Sendable {
        /// The path probed.
        public let path: String
        /// Time between probes.
        public let interval: Duration
        /// Time a probe may take.
        public let timeout: Duration
    }

    /// One `[[bridges]]` entry.
    public struct Bridge: Sendable {
        /// Unique name.
        public let name: String
        /// The bridge's base URL (must be loopback).
        public let url: Located<String>
        /// The API it speaks.
        public let api: BridgeAPI
        /// The tunnel its liveness follows, if any.
        public let tunnel: String?
        /// The subscription it turns into an API, for the dashboard.
        public let subscription: String?
        /// Whether it serves the OpenAI Responses API itself (`responses = true`): `/v1/responses`
        /// is then passed through instead of translated to chat completions.
        public let responses: Bool
        /// A managed bridge process, if bridgekeeper should run it.
        public let command: [String]?
        /// Variables for the managed bridge's environment (`[bridges.env]`), besides PATH, HOME and LANG.
        public let environment: [String: String]
        /// How it is probed.
        public let probe: Probe
        /// The file holding its API key (`api_key_file`), sent on probes and requests the way its
        /// API expects: `Authorization: Bearer …`, or `x-api-key` for `anthropic`.
        public let apiKeyFile: PathTemplate?
        /// Non-secret headers for every probe and request (`[bridges.headers]`).
        public let headers: [String: String]
        /// Its subscription's budgets (`[bridges.quota]`: `requests`, `tokens`).
        public let quota: [QuotaBudget]
        /// At most this many gateway requests to it at once (`max_connections`); nil: as many as the
        /// gateway takes.
        public let maxConnections: Int?
        /// The line of the `[[bridges]]` header.
        public let line: Int
    }

    /// List prices per million tokens, for "API cost avoided".
    public struct Price: Sendable {
        /// USD per million input tokens.
        public let inputPerMTok: Double
        /// USD per million output tokens.
        public let outputPerMTok: Double
    }

    /// One `[[models]]` entry.
    public struct Model: Sendable {
        /// Canonical id, listed by `/v1/models`.
        public let id: String
        /// Other names accepted on requests.
        public let aliases: [String]
        /// Bridges in priority order.
        public let routes: [String]
        /// List price, if known.
        public let price: Price?
        /// Whether prompts to it are compressed (`compress = true`; off by default).
        public let compress: Bool
    }

    /// A webhook's message format.
    public enum WebhookFormat: String, Sendable, CaseIterable {
        case ntfy, slack, json
    }

    /// One `[[notify.webhooks]]` entry. Its URL may carry a token, so it is never printed.
    public struct Webhook: Sendable {
        /// Unique name.
        public let name: String
        /// Where notifications are posted.
        public let url: String
        /// Message format.
        public let format: WebhookFormat
    }
}
