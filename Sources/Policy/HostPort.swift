/// A host and port as written in config, parsed strictly but not yet judged by the policy.
public struct HostPort: Sendable, Hashable {
    /// The host part of an endpoint.
    public enum Host: Sendable, Hashable {
        /// A literal IP address.
        case address(IPAddress)
        /// The name `localhost`, accepted only as a spelling of 127.0.0.1.
        case localhost
        /// Any other name; always refused for binds.
        case hostname(String)
        /// Empty, `*` or `0`: every interface.
        case wildcard
    }

    /// The host.
    public let host: Host
    /// The port, 1...65535.
    public let port: UInt16

    /// Parses `host:port`, `[ipv6]:port`, or with `defaultPort` also a bare host or `[ipv6]`.
    /// Throws a `Refusal` naming what is malformed or ambiguous.
    public static func parse(_ text: String, defaultPort: UInt16? = nil) throws(Refusal) -> HostPort {
        if text.isEmpty {
            throw Refusal(.malformed, "the address is empty", fix: "write 127.0.0.1:PORT")
        }
        if text.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F }) {
            throw Refusal(.whitespace, "the address contains whitespace or control characters", fix: "write the address alone, e.g. 127.0.0.1:PORT")
        }
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else {
                throw Refusal(.malformed, "'[' without a closing ']'", fix: "write [::1]:PORT")
            }
            let inner = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            var portText: Substring?
            if rest.hasPrefix(":") {
                portText = rest.dropFirst()
            } else if !rest.isEmpty {
                throw Refusal(.malformed, "unexpected text after ']'", fix: "write [::1]:PORT")
            }
            if inner.contains("%") {
                throw Refusal(.zoneID, "IPv6 zone ids (%…) name an interface, which a loopback bind never needs", fix: "write [::1]:PORT")
            }
            guard let address = IPAddress.parseV6(inner) else {
                throw Refusal(.malformed, "'\(inner)' in brackets is not an IPv6 address", fix: "write [::1]:PORT")
            }
            return HostPort(host: .address(.v6(address)), port: try port(portText, defaultPort: defaultPort))
        }
        let colons = text.filter { $0 == ":" }.count
        if colons > 1 {
            throw Refusal(
                .unbracketedIPv6, "an IPv6 address must be in brackets when a port follows; '\(text)' is ambiguous",
                fix: "write [::1]:PORT")
        }
        guard let colon = text.lastIndex(of: ":") else {
            return HostPort(host: try host(Substring(text)), port: try port(nil, defaultPort: defaultPort))
        }
        return HostPort(
            host: try host(text[..<colon]), port: try port(text[text.index(after: colon)...], defaultPort: defaultPort))
    }

    private static func host(_ text: Substring) throws(Refusal) -> Host {
        if text.isEmpty || text == "*" || text == "0" { return .wildcard }
        if text == "localhost" { return .localhost }
        if text.contains("%") {
            throw Refusal(.zoneID, "zone ids (%…) are not accepted", fix: "write 127.0.0.1:PORT")
        }
        if let value = IPAddress.parseV4(text) { return .address(.v4(value)) }
        if let first = text.first, first.isASCII, first.isNumber,
            text.allSatisfy({ $0.isASCII && ($0.isHexDigit || $0 == "." || $0 == "x" || $0 == "X") })
        {
            throw Refusal(
                .ambiguousNumeric,
                "'\(text)' is not a canonical dotted quad (short, octal, hex, integer or zero-padded forms are ambiguous)",
                fix: "write all four decimal parts without leading zeros, e.g. 127.0.0.1")
        }
        // DNS labels (letters, digits, inner hyphens),
        // with at most one trailing dot: nothing a shell or a resolver would read as more.
        let name = text.hasSuffix(".") ? text.dropLast() : text
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        let isHostname = !name.isEmpty && name.count <= 253 && labels.allSatisfy { label in
            !label.isEmpty && label.count <= 63 && label.first != "-" && label.last != "-"
                && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }
        if isHostname {
            return .hostname(String(text))
        }
        throw Refusal(.malformed, "'\(text)' is neither an IP address nor a host name", fix: "write 127.0.0.1:PORT")
    }

    private static func port(_ text: Substring?, defaultPort: UInt16?) throws(Refusal) -> UInt16 {
        guard let text else {
            if let defaultPort { return defaultPort }
            throw Refusal(.port, "no port given", fix: "write HOST:PORT, e.g. 127.0.0.1:4000")
        }
        guard !text.isEmpty, text.count <= 5, text.allSatisfy({ $0.isASCII && $0.isNumber }),
            text.count == 1 || text.first != "0", let value = UInt32(text)
        else {
            throw Refusal(.port, "'\(text.prefix(12))' is not a port number", fix: "use a decimal port from 1 to 65535")
        }
        guard value != 0 else {
            throw Refusal(.port, "port 0 lets the kernel pick any port, which nothing could then find", fix: "use a fixed port from 1 to 65535")
        }
        guard value <= 65535 else {
            throw Refusal(.port, "port \(value) is above 65535", fix: "use a decimal port from 1 to 65535")
        }
        return UInt16(value)
    }
}
