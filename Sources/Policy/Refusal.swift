/// Why a bind, URL or listener was refused, and what would be accepted instead.
public struct Refusal: Error, Sendable, Equatable, Codable {
    /// The rule that refused; its raw value is the stable code printed by `check --format json`.
    public enum Rule: String, Sendable, Codable, CaseIterable {
        case unspecified
        case ipv4Mapped = "ipv4_mapped"
        case privateNetwork = "private"
        case sharedAddressSpace = "cgnat"
        case linkLocal = "link_local"
        case uniqueLocal = "unique_local"
        case multicast
        case reserved
        case publicAddress = "public"
        case hostname
        case ambiguousNumeric = "ambiguous_numeric"
        case zoneID = "zone_id"
        case whitespace
        case malformed
        case port
        case unbracketedIPv6 = "unbracketed_ipv6"
        case scheme
        case credentialsInURL = "credentials_in_url"
        case unauthenticatedGateway = "unauthenticated_gateway"
        case exposedListener = "exposed_listener"
        case gatewayPorts = "gateway_ports"

        /// Whether a policy exception may let a bind through despite this rule. Only a concrete,
        /// unambiguous, non-wildcard address can be named narrowly enough.
        public var isExemptible: Bool {
            switch self {
            case .privateNetwork, .sharedAddressSpace, .linkLocal, .uniqueLocal, .publicAddress: true
            default: false
            }
        }
    }

    /// The rule that refused.
    public let rule: Rule
    /// What is wrong, safe to print (never contains credentials).
    public let message: String
    /// What to write instead.
    public let fix: String

    /// Makes a refusal.
    public init(_ rule: Rule, _ message: String, fix: String) {
        self.rule = rule
        self.message = message
        self.fix = fix
    }
}
