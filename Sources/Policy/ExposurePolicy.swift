/// The exposure policy: loopback only, except for the narrow exceptions an operator wrote down.
public struct ExposurePolicy: Sendable {
    /// Every exception in force, in file order.
    public let exceptions: [PolicyException]
    /// Where the policy came from (a path, or `built-in`).
    public let source: String

    /// A policy with the given exceptions.
    public init(exceptions: [PolicyException] = [], source: String) {
        self.exceptions = exceptions
        self.source = source
    }

    /// Judges a listen or target address written as `host:port` or `[ipv6]:port`.
    public func check(bind text: String) -> BindVerdict {
        do {
            return judge(try HostPort.parse(text))
        } catch {
            return .refused(error)
        }
    }

    /// Judges an already-parsed host and port.
    public func judge(_ endpoint: HostPort) -> BindVerdict {
        let address: IPAddress
        switch endpoint.host {
        case .localhost:
            return .allowed(BindAddress(address: .loopbackV4, port: endpoint.port))
        case .wildcard:
            return .refused(ExposurePolicy.refusal(for: .unspecified, port: endpoint.port))
        case .hostname(let name):
            return .refused(
                Refusal(
                    .hostname, "host name '\(name)' could resolve to any address; only 'localhost' is accepted as a name",
                    fix: "write the literal address 127.0.0.1:\(endpoint.port)"))
        case .address(let ip):
            address = ip
        }
        let addressClass = address.addressClass
        if addressClass == .loopback {
            return .allowed(BindAddress(address: address, port: endpoint.port))
        }
        let refusal = ExposurePolicy.refusal(for: addressClass, port: endpoint.port, address: address)
        if refusal.rule.isExemptible, let exception = exceptions.first(where: { $0.covers(address, port: endpoint.port) }) {
            return .excepted(BindAddress(address: address, port: endpoint.port), exception)
        }
        return .refused(refusal)
    }

    static func refusal(for addressClass: AddressClass, port: UInt16, address: IPAddress? = nil) -> Refusal {
        let shown = address.map { "\($0)" } ?? "every interface"
        let loopback = "bind 127.0.0.1:\(port) instead"
        switch addressClass {
        case .loopback:
            preconditionFailure("loopback is never refused")
        case .unspecified:
            return Refusal(.unspecified, "\(address.map { "\($0)" } ?? "an empty or wildcard host") listens on every interface, LAN and internet included", fix: loopback + "; publish the gateway through a reverse proxy if clients are elsewhere")
        case .ipv4Mapped:
            return Refusal(.ipv4Mapped, "\(shown) is an IPv4-mapped or IPv4-compatible IPv6 form, which hides the real address", fix: "write the plain address, e.g. 127.0.0.1:\(port)")
        case .privateNetwork:
            return Refusal(.privateNetwork, "\(shown) is a private-range (LAN) address", fix: loopback + ", or add a policy exception for this address and port with a reason")
        case .sharedAddressSpace:
            return Refusal(.sharedAddressSpace, "\(shown) is in 100.64.0.0/10 (carrier-grade NAT or Tailscale)", fix: loopback + ", or add a policy exception for this address and port with a reason")
        case .linkLocal:
            return Refusal(.linkLocal, "\(shown) is link-local, reachable by every host on the segment", fix: loopback + ", or add a policy exception for this address and port with a reason")
        case .uniqueLocal:
            return Refusal(.uniqueLocal, "\(shown) is an IPv6 unique-local (fc00::/7) address", fix: loopback + ", or add a policy exception for this address and port with a reason")
        case .multicast:
            return Refusal(.multicast, "\(shown) is a multicast address", fix: loopback)
        case .reserved:
            return Refusal(.reserved, "\(shown) is reserved or broadcast", fix: loopback)
        case .publicAddress:
            return Refusal(.publicAddress, "\(shown) is a public address, reachable from the internet", fix: loopback + ", or add a policy exception for this address and port with a reason")
        }
    }
}
