/// A narrow, reasoned exception to the loopback rule: one address and one port.
public struct PolicyException: Sendable, Hashable, Encodable {
    /// The exact address the exception allows.
    public let address: String
    /// The exact port.
    public let port: UInt16
    /// Why the operator allowed it; printed by every check while the exception is in force.
    public let reason: String
    /// Where it was written, `file:line`.
    public let location: String

    let ip: IPAddress

    enum CodingKeys: String, CodingKey {
        case address, port, reason, location
    }

    init(ip: IPAddress, port: UInt16, reason: String, location: String) {
        self.ip = ip
        self.address = ip.description
        self.port = port
        self.reason = reason
        self.location = location
    }

    func covers(_ address: IPAddress, port: UInt16) -> Bool {
        ip == address && self.port == port
    }
}
