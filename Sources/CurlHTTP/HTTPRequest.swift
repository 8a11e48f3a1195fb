/// One HTTP request made with libcurl: a probe of a bridge, or a webhook delivery.
public struct HTTPRequest: Sendable {
    /// The methods bridgekeeper uses.
    public enum Method: String, Sendable {
        case get = "GET"
        case post = "POST"
    }

    /// The method.
    public var method: Method
    /// The absolute `http://` or `https://` URL. It may carry a token (webhooks), so it never
    /// appears in errors or logs; ``HTTPOutcome`` names only the host.
    public var url: String
    /// Extra request headers.
    public var headers: [(name: String, value: String)]
    /// The request body (POST).
    public var body: [UInt8]
    /// The whole exchange must finish within this.
    public var timeout: Duration
    /// Connecting must finish within this (at most `timeout`).
    public var connectTimeout: Duration
    /// Whether proxy settings from the environment apply. Probes of loopback bridges never use a
    /// proxy; webhooks to the outside world may.
    public var useProxy: Bool
    /// Response bytes kept; the rest is read and dropped.
    public var maxResponseBytes: Int

    /// Makes a request; by default a GET that ignores proxies and keeps 64 KiB of the answer.
    public init(
        method: Method = .get, url: String, headers: [(name: String, value: String)] = [], body: [UInt8] = [],
        timeout: Duration, connectTimeout: Duration? = nil, useProxy: Bool = false, maxResponseBytes: Int = 65536
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.connectTimeout = min(connectTimeout ?? timeout, timeout)
        self.useProxy = useProxy
        self.maxResponseBytes = maxResponseBytes
    }
}
