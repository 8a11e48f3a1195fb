public import Quota
/// What the gateway serves and where: built by the Supervisor from the checked config.
public struct GatewayConfiguration: Sendable {
    /// The wire API a bridge speaks.
    public enum API: String, Sendable {
        case openai, anthropic, ollama
    }

    /// A bridge the gateway can send requests to.
    public struct Bridge: Sendable, Equatable {
        /// The bridge's name (routes name it).
        public var name: String
        /// Its base URL, e.g. `http://127.0.0.1:3353` (policy-checked: loopback).
        public var baseURL: String
        /// What it speaks.
        public var api: API
        /// The subscription it turns into an API, for the dashboard.
        public var subscription: String?
        /// Whether it serves `/v1/responses` itself (passed through, not translated).
        public var servesResponses: Bool
        /// Headers sent with every request: its credential (`Authorization` or `x-api-key`, from
        /// `api_key_file`) and the `[bridges.headers]` extras. Never printed: see `description`.
        public var headers: [String: String]
        /// Its subscription's budgets (`[bridges.quota]`).
        public var quota: [QuotaBudget]
        /// At most this many requests in flight to it at once (`max_connections`); nil: as many as
        /// the gateway takes. Beyond it a request is refused `bridge_saturated` with `Retry-After`.
        public var maxConnections: Int?

        /// Makes a bridge.
        public init(
            name: String, baseURL: String, api: API, subscription: String? = nil, servesResponses: Bool = false, headers: [String: String] = [:],
            quota: [QuotaBudget] = [], maxConnections: Int? = nil
        ) {
            self.name = name
            self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
            self.api = api
            self.subscription = subscription
            self.servesResponses = servesResponses
            self.headers = headers
            self.quota = quota
            self.maxConnections = maxConnections
        }
    }

    /// List prices in USD per million tokens.
    public struct Price: Sendable, Equatable {
        public var inputPerMTok: Double
        public var outputPerMTok: Double

        /// Makes a price.
        public init(inputPerMTok: Double, outputPerMTok: Double) {
            self.inputPerMTok = inputPerMTok
            self.outputPerMTok = outputPerMTok
        }

        /// What `input` and `output` tokens would cost at this price.
        public func cost(input: Int, output: Int) -> Double {
            (Double(input) * inputPerMTok + Double(output) * outputPerMTok) / 1_000_000
        }
    }

    /// A model clients can ask for.
    public struct Model: Sendable, Equatable {
        /// The canonical id (listed by `/v1/models`, sent to the bridge).
        public var id: String
        /// Other names accepted in requests.
        public var aliases: [String]
        /// Bridges in priority order.
        public var routes: [String]
        /// List price, for "API cost avoided".
        public var price: Price?
        /// Whether prompts are compressed before they go to a bridge (off by default).
        public var compress: Bool

        /// Makes a model.
        public init(id: String, aliases: [String] = [], routes: [String], price: Price? = nil, compress: Bool = false) {
            self.id = id
            self.aliases = aliases
            self.routes = routes
            self.price = price
            self.compress = compress
        }
    }

    /// The policy-checked host to listen on (`127.0.0.1`).
    public var host: String
    /// The port (0: any free port; the service reports the one bound).
    public var port: Int
    /// Bridges by name.
    public var bridges: [Bridge]
    /// Models in config order.
    public var models: [Model]
    /// Request bodies above this are refused with 413.
    public var maxBodyBytes: Int
    /// Connecting to a bridge must succeed within this.
    public var connectTimeout: Duration
    /// A bridge silent for this long (between bytes) is given up on.
    public var readTimeout: Duration
    /// A client connection idle for this long (also while sending its request) is closed.
    public var clientIdleTimeout: Duration
    /// A client must send its first request's head within this of connecting, and each request's
    /// body within this of its head, or the connection is closed.
    public var requestTimeout: Duration
    /// The client keys; nil serves everyone (loopback only: the policy refuses a wider listen
    /// address without keys).
    public var clientKeys: ClientKeys?
    /// Upstream silence after which a translated Anthropic stream gets a `ping` event.
    public var pingInterval: Duration
    /// Names a reverse proxy publishes the gateway under: requests may carry them as `Host`
    /// besides the listen address and `localhost` (others get 421).
    public var publicHosts: [String]
    /// Browser origins (`https://app.example.net`) that get CORS headers; none by default.
    public var corsOrigins: [String]
    /// Connections open at once beyond this are answered 503 and closed.
    public var maxConnections: Int
    /// A request head (request line and headers) larger than this is refused.
    public var maxHeaderBytes: Int

    /// Makes a configuration; limits default to 8 MiB bodies, 32 KiB heads, 2 s connect, 300 s
    /// upstream silence, 60 s client idle, 30 s to send a request's head or body, 1024 connections.
    public init(
        host: String, port: Int, bridges: [Bridge], models: [Model], maxBodyBytes: Int = 8 << 20,
        connectTimeout: Duration = .seconds(2), readTimeout: Duration = .seconds(300), clientIdleTimeout: Duration = .seconds(60),
        clientKeys: ClientKeys? = nil, pingInterval: Duration = .seconds(10), requestTimeout: Duration = .seconds(30),
        publicHosts: [String] = [], corsOrigins: [String] = [], maxConnections: Int = 8192, maxHeaderBytes: Int = 32 << 10
    ) {
        self.host = host
        self.port = port
        self.bridges = bridges
        self.models = models
        self.maxBodyBytes = maxBodyBytes
        self.connectTimeout = connectTimeout
        self.readTimeout = readTimeout
        self.clientIdleTimeout = clientIdleTimeout
        self.clientKeys = clientKeys
        self.pingInterval = pingInterval
        self.requestTimeout = requestTimeout
        self.publicHosts = publicHosts
        self.corsOrigins = corsOrigins
        self.maxConnections = maxConnections
        self.maxHeaderBytes = maxHeaderBytes
    }
}

extension GatewayConfiguration.Bridge: CustomStringConvertible, CustomDebugStringConvertible {
    /// The bridge's name, URL and API, with the names of its headers but never their values (one
    /// of them is its credential).
    public var description: String {
        "\(name) (\(api.rawValue) at \(baseURL)" + (headers.isEmpty ? ")" : ", headers: \(headers.keys.sorted().joined(separator: ", ")))")
    }

    public var debugDescription: String { description }
}
