/// An IPv4 or IPv6 address parsed from one strict, unambiguous spelling.
public enum IPAddress: Sendable, Hashable, CustomStringConvertible {
    /// An IPv4 address as a host-order integer (127.0.0.1 is 0x7F00_0001).
    case v4(UInt32)
    /// An IPv6 address as eight 16-bit groups.
    case v6(IPv6Groups)

    /// The eight groups of an IPv6 address, most significant first.
    public struct IPv6Groups: Sendable, Hashable {
        /// Exactly eight groups.
        public let groups: [UInt16]

        /// Makes an address from eight groups; returns nil for any other count.
        public init?(_ groups: [UInt16]) {
            guard groups.count == 8 else { return nil }
            self.groups = groups
        }
    }

    /// IPv4 loopback, 127.0.0.1.
    public static let loopbackV4 = IPAddress.v4(0x7F00_0001)
    /// IPv6 loopback, ::1.
    public static let loopbackV6 = IPAddress.v6(IPv6Groups([0, 0, 0, 0, 0, 0, 0, 1])!)

    /// Parses canonical dotted-quad IPv4 (no leading zeros, four parts, decimal) or RFC 4291 IPv6
    /// text (no zone id, no brackets). Returns nil for anything else, including `127.1`,
    /// `0x7f.0.0.1`, `2130706433` and `fe80::1%eth0`.
    public init?(_ text: String) {
        if text.contains(":") {
            guard let groups = IPAddress.parseV6(Substring(text)) else { return nil }
            self = .v6(groups)
        } else {
            guard let value = IPAddress.parseV4(Substring(text)) else { return nil }
            self = .v4(value)
        }
    }

    /// RFC 5952 text for IPv6 (lowercase, longest zero run compressed), dotted quad for IPv4.
    public var description: String {
        switch self {
        case .v4(let value):
            return [24, 16, 8, 0].map { String((value >> UInt32($0)) & 0xFF) }.joined(separator: ".")
        case .v6(let address):
            return IPAddress.canonicalV6(address.groups)
        }
    }

    static func parseV4(_ text: Substring) -> UInt32? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
            guard part.count == 1 || part.first != "0" else { return nil }
            guard let octet = UInt32(part), octet <= 255 else { return nil }
            value = value << 8 | octet
        }
        return value
    }

    static func parseV6(_ text: Substring) -> IPv6Groups? {
        guard !text.contains("%") else { return nil }
        let halves = text.split(separator: "::", omittingEmptySubsequences: false)
        guard halves.count <= 2 else { return nil }
        guard let head = parseGroups(Substring(halves[0]), allowV4Tail: halves.count == 1) else { return nil }
        if halves.count == 1 {
            return head.count == 8 ? IPv6Groups(head) : nil
        }
        guard let tail = parseGroups(Substring(halves[1]), allowV4Tail: true) else { return nil }
        // "::" stands for at least one group of zeros.
        guard head.count + tail.count <= 7 else { return nil }
        return IPv6Groups(head + Array(repeating: 0, count: 8 - head.count - tail.count) + tail)
    }

    private static func parseGroups(_ text: Substring, allowV4Tail: Bool) -> [UInt16]? {
        if text.isEmpty { return [] }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        var groups: [UInt16] = []
        for (index, part) in parts.enumerated() {
            if allowV4Tail && index == parts.count - 1 && part.contains(".") {
                guard let v4 = parseV4(part) else { return nil }
                groups += [UInt16(v4 >> 16), UInt16(v4 & 0xFFFF)]
                continue
            }
            guard (1...4).contains(part.count), part.allSatisfy({ $0.isASCII && $0.isHexDigit }),
                let group = UInt16(part, radix: 16)
            else { return nil }
            groups.append(group)
        }
        return groups
    }

    private static func canonicalV6(_ groups: [UInt16]) -> String {
        // RFC 5952 §4.2: compress the longest run of two or more zero groups, the first if tied.
        var bestStart = -1
        var bestLength = 1
        var index = 0
        while index < 8 {
            guard groups[index] == 0 else { index += 1; continue }
            var end = index
            while end < 8 && groups[end] == 0 { end += 1 }
            if end - index > bestLength { bestStart = index; bestLength = end - index }
            index = end
        }
        let hex = groups.map { String($0, radix: 16) }
        guard bestStart >= 0 else { return hex.joined(separator: ":") }
        let head = hex[..<bestStart].joined(separator: ":")
        let tail = hex[(bestStart + bestLength)...].joined(separator: ":")
        return head + "::" + tail
    }
}
