/// What kind of network an address belongs to, for the bind rules.
public enum AddressClass: String, Sendable, Codable, CaseIterable {
    /// 127.0.0.0/8 or ::1: the only class a bind is allowed on without an exception.
    case loopback
    /// 0.0.0.0, ::, and 0.0.0.0/8: every interface (or "this network").
    case unspecified
    /// ::ffff:0:0/96 and the deprecated IPv4-compatible ::/96: an IPv4 address in IPv6 clothing.
    case ipv4Mapped = "ipv4_mapped"
    /// 10/8, 172.16/12, 192.168/16.
    case privateNetwork = "private"
    /// 100.64/10: carrier-grade NAT, and Tailscale's addresses.
    case sharedAddressSpace = "cgnat"
    /// 169.254/16 and fe80::/10.
    case linkLocal = "link_local"
    /// fc00::/7.
    case uniqueLocal = "unique_local"
    /// 224/4 and ff00::/8.
    case multicast
    /// 240/4 and 255.255.255.255.
    case reserved
    /// Anything else: reachable from the internet.
    case publicAddress = "public"
}

extension IPAddress {
    /// The network class this address belongs to.
    public var addressClass: AddressClass {
        switch self {
        case .v4(let value):
            return IPAddress.classify(v4: value)
        case .v6(let address):
            let g = address.groups
            if g == [0, 0, 0, 0, 0, 0, 0, 1] { return .loopback }
            if g.allSatisfy({ $0 == 0 }) { return .unspecified }
            if g[0...4].allSatisfy({ $0 == 0 }) && (g[5] == 0xFFFF || g[5] == 0) { return .ipv4Mapped }
            if g[0] & 0xFFC0 == 0xFE80 { return .linkLocal }
            if g[0] & 0xFE00 == 0xFC00 { return .uniqueLocal }
            if g[0] & 0xFF00 == 0xFF00 { return .multicast }
            return .publicAddress
        }
    }

    private static func classify(v4 value: UInt32) -> AddressClass {
        func within(_ network: UInt32, _ prefix: UInt32) -> Bool {
            value & ~(UInt32.max >> prefix) == network
        }
        if within(0x7F00_0000, 8) { return .loopback }
        if within(0x0000_0000, 8) { return .unspecified }
        if within(0x0A00_0000, 8) || within(0xAC10_0000, 12) || within(0xC0A8_0000, 16) { return .privateNetwork }
        if within(0x6440_0000, 10) { return .sharedAddressSpace }
        if within(0xA9FE_0000, 16) { return .linkLocal }
        if within(0xE000_0000, 4) { return .multicast }
        if within(0xF000_0000, 4) { return .reserved }
        return .publicAddress
    }
}
