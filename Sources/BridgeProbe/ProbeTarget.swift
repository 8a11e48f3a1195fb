public import CurlHTTP
/// One bridge to probe: where, how often, how patiently.
public struct ProbeTarget: Sendable, Equatable {
    /// The bridge's name.
    public var name: String
    /// The bridge's base URL (`http://127.0.0.1:3353`).
    public var baseURL: String
    /// The path probed (`/v1/models`); never one that costs money.
    public var path: String
    /// Time between probes.
    public var interval: Duration
    /// Time one probe may take.
    public var timeout: Duration
    /// Whether the bridge is reached through a tunnel's listener, so a refusal means the tunnel.
    public var throughTunnel: Bool
    /// Headers sent with each probe: the bridge's credential and its `[bridges.headers]`. Never
    /// printed: see `description`.
    public var headers: [String: String]

    /// Makes a target.
    public init(
        name: String, baseURL: String, path: String, interval: Duration, timeout: Duration, throughTunnel: Bool, headers: [String: String] = [:]
    ) {
        self.name = name
        self.baseURL = baseURL
        self.path = path
        self.interval = interval
        self.timeout = timeout
        self.throughTunnel = throughTunnel
        self.headers = headers
    }

    /// The probe request: a GET of `path`, no proxy, timeouts in milliseconds.
    public var request: HTTPRequest {
        let base = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        return HTTPRequest(url: base + (path.hasPrefix("/") ? path : "/" + path), headers: [("Accept", "application/json")] + headers.sorted { $0.key < $1.key }.map { ($0.key, $0.value) },
            timeout: timeout)
    }

    /// Probes once, now, on this thread (blocking): the outcome and what it means.
    public func probe() -> ProbeResult {
        let outcome = HTTPExchange.perform(request)
        return ProbeResult(
            bridge: name, verdict: ProbeClassifier.classify(outcome, path: path, throughTunnel: throughTunnel), timings: outcome.timings)
    }
}


extension ProbeTarget: CustomStringConvertible, CustomDebugStringConvertible {
    /// The bridge's name and probe URL, with the names of its headers but never their values (one
    /// of them may be its credential).
    public var description: String {
        "\(name) (GET \(request.url)" + (headers.isEmpty ? ")" : ", headers: \(headers.keys.sorted().joined(separator: ", ")))")
    }

    public var debugDescription: String { description }
}
