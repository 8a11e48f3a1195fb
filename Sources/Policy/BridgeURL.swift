/// A bridge's base URL, parsed strictly: http or https, a host the policy can judge, no
/// credentials, no query or fragment.
public struct BridgeURL: Sendable, Hashable, CustomStringConvertible {
    /// `http` or `https`.
    public let scheme: String
    /// The host and port (80 or 443 when omitted).
    public let endpoint: HostPort
    /// The path prefix, without a trailing slash (`""` for the root).
    public let path: String
    private let hostText: Substring

    /// Parses `text`; throws a `Refusal` that never quotes credentials.
    public init(_ text: String) throws(Refusal) {
        let fix = "write http://127.0.0.1:PORT"
        guard let separator = text.firstRange(of: "://") else {
            throw Refusal(.malformed, "not a URL (no scheme)", fix: fix)
        }
        scheme = String(text[..<separator.lowerBound])
        guard scheme == "http" || scheme == "https" else {
            throw Refusal(.scheme, "scheme '\(scheme.prefix(16))' is not http or https", fix: fix)
        }
        let rest = text[separator.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        if authority.contains("@") {
            throw Refusal(.credentialsInURL, "the URL carries credentials (user@ or user:password@)", fix: "remove them from the URL; secrets belong in credential files")
        }
        let tail = rest[authorityEnd...]
        if tail.contains("?") || tail.contains("#") {
            throw Refusal(.malformed, "a bridge URL is a base URL and takes no query or fragment", fix: "write scheme://host:port/path only")
        }
        endpoint = try HostPort.parse(String(authority), defaultPort: scheme == "https" ? 443 : 80)
        hostText = authority
        path = tail.hasSuffix("/") ? String(tail.dropLast()) : String(tail)
    }

    /// The URL as written (it cannot hold credentials or a query).
    public var description: String { "\(scheme)://\(hostText)\(path)" }

    /// The host and port as written (`127.0.0.1:3353`, `localhost`): what a `Host` header says.
    public var authority: String { String(hostText) }

    /// The address to connect to, as the policy judged it (`localhost` is 127.0.0.1; an IPv6
    /// address in brackets). Nil for a host name or every-interface host, which the policy refuses
    /// anyway.
    public var literalHost: String? {
        switch endpoint.host {
        case .address(.v4(let value)): "\(IPAddress.v4(value))"
        case .address(.v6(let groups)): "[\(IPAddress.v6(groups))]"
        case .localhost: "127.0.0.1"
        case .hostname, .wildcard: nil
        }
    }

    /// The URL to connect to: the host as the literal address the policy judged, so no resolver
    /// can send the connection elsewhere (to a squatter on `[::1]`, say). Nil where ``literalHost``
    /// is.
    public var literal: String? {
        literalHost.map { "\(scheme)://\($0):\(endpoint.port)\(path)" }
    }
}

extension ExposurePolicy {
    /// Judges a bridge URL: the scheme and form, then its host like any bind.
    public func check(url text: String) -> BindVerdict {
        do {
            return judge(try BridgeURL(text).endpoint)
        } catch {
            return .refused(error)
        }
    }
}
