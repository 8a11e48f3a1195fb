public import Hummingbird

/// Keeps browsers on the host from using a loopback endpoint as a client: a page can send blind
/// requests to 127.0.0.1 (CSRF) and, by DNS rebinding, read the answers under its own name.
///
/// - A request whose `Host` names anything but an allowed host (the listen address, `localhost`,
///   configured public names) is answered 421: a rebinding page's requests carry its own name.
/// - A request with a body must say `Content-Type: application/json` (415 otherwise): a page can
///   send only form and `text/plain` bodies without a CORS preflight, and the preflight fails.
/// - CORS headers are sent only to the configured origins, which may also preflight.
///
/// A request without `Host` cannot come from a browser (browsers always send it) and passes.
public struct BrowserGuard<Context: RequestContext>: RouterMiddleware {
    /// What the guard allows.
    public struct Rules: Sendable {
        /// Host names and address literals (lower case, without port or brackets) a request may name.
        public var hosts: Set<String>
        /// Origins (`scheme://host[:port]`) that get CORS headers.
        public var corsOrigins: Set<String>

        /// Rules for an endpoint listening on `listenHost` (an address literal): that address,
        /// `localhost`, and `publicHosts` (names a reverse proxy publishes it under).
        public init(listenHost: String, publicHosts: [String] = [], corsOrigins: [String] = []) {
            hosts = Set(([listenHost, "localhost"] + publicHosts).map(Self.normalized))
            self.corsOrigins = Set(corsOrigins.map { $0.lowercased() })
        }

        /// Whether a request's `Host` (`name[:port]`, `[v6]:port`) is allowed; a port is ignored.
        public func allows(host authority: String) -> Bool {
            let host = Self.hostPart(authority)
            // Most requests name the host as configured: no lower-casing needed.
            if hosts.contains(String(host)) { return true }
            return hosts.contains(Self.normalized(host))
        }

        private static func hostPart(_ authority: String) -> Substring {
            if authority.hasPrefix("[") {
                guard let close = authority.firstIndex(of: "]") else { return Substring(authority) }
                return authority[authority.index(after: authority.startIndex)..<close]
            }
            guard let colon = authority.lastIndex(of: ":") else { return Substring(authority) }
            return authority[..<colon]
        }

        private static func normalized(_ host: some StringProtocol) -> String {
            var host = host.lowercased()
            if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            if host.hasSuffix(".") { host.removeLast() }
            return host
        }
    }

    /// The headers a configured origin may send in a preflighted request.
    static var corsHeaders: String {
        "authorization, content-type, x-api-key, x-caller, anthropic-version, anthropic-beta, openai-organization, openai-project"
    }

    private let rules: Rules
    private let refused: @Sendable (RequestRefusal) -> Void

    /// A guard applying `rules`; `refused` hears each request it turns away.
    public init(rules: Rules, refused: @escaping @Sendable (RequestRefusal) -> Void = { _ in }) {
        self.rules = rules
        self.refused = refused
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var dialect: Dialect { Dialect(path: request.uri.path) }
        if let host = request.head.authority, !rules.allows(host: host) {
            refused(.foreignHost)
            return GatewayError(
                .misdirectedRequest, code: "misdirected_request", type: "invalid_request_error",
                "this endpoint does not answer to that Host; add the name to [gateway] public_hosts if a proxy publishes it"
            ).response(in: dialect)
        }
        let origin = request.headers[.origin].map { $0.lowercased() }
        let corsAllowed = origin.map(rules.corsOrigins.contains) ?? false
        if request.method == .options, corsAllowed, request.headers[.accessControlRequestMethod] != nil {
            var headers = HTTPFields()
            headers[.accessControlAllowOrigin] = origin
            headers[.accessControlAllowMethods] = "GET, POST"
            // A listed origin is trusted: what it asks to send (the SDKs' x-stainless-* among it).
            headers[.accessControlAllowHeaders] = request.headers[.accessControlRequestHeaders] ?? Self.corsHeaders
            headers[.accessControlMaxAge] = "600"
            headers[.vary] = "Origin"
            return Response(status: .noContent, headers: headers)
        }
        let hasBody = switch request.method {
            case .post, .put, .patch: true
            default: false
            }
        if hasBody, !Self.isJSON(request.headers[.contentType]) {
            refused(.notJSON)
            return GatewayError(
                .unsupportedMediaType, code: "unsupported_media_type", type: "invalid_request_error",
                "the request body must be sent as 'Content-Type: application/json'"
            ).response(in: dialect)
        }
        var response = try await next(request, context)
        if corsAllowed, let origin {
            response.headers[.accessControlAllowOrigin] = origin
            response.headers[.vary] = "Origin"
        }
        return response
    }

    /// Whether a `Content-Type` is `application/json`, parameters (`; charset=utf-8`) allowed.
    static func isJSON(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        let type = contentType.utf8.prefix { $0 != UInt8(ascii: ";") }.filter { $0 != 32 && $0 != 9 }
        // ASCII case folding of letters only.
        return type.count == 16 && zip(type, "application/json".utf8).allSatisfy { $0 == $1 || ($1 >= 0x61 && $1 <= 0x7A && $0 == $1 - 0x20) }
    }
}
