/// An address and port that the policy allowed a socket to use.
public struct BindAddress: Sendable, Hashable, CustomStringConvertible {
    /// The literal address to request on the wire (`localhost` becomes 127.0.0.1).
    public let address: IPAddress
    /// The port, 1...65535.
    public let port: UInt16

    init(address: IPAddress, port: UInt16) {
        self.address = address
        self.port = port
    }

    /// `127.0.0.1:4000` or `[::1]:4000`.
    public var description: String {
        switch address {
        case .v4: "\(address):\(port)"
        case .v6: "[\(address)]:\(port)"
        }
    }
}
