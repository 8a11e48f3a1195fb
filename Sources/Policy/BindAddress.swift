public import Glibc

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

    /// Calls `body` with the address family and a `sockaddr_in`/`sockaddr_in6` for this address,
    /// for bind(2) and connect(2).
    public func withSocketAddress<T>(_ body: (Int32, UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
        switch address {
        case .v4(let value):
            var socketAddress = sockaddr_in()
            socketAddress.sin_family = sa_family_t(AF_INET)
            socketAddress.sin_port = port.bigEndian
            socketAddress.sin_addr.s_addr = value.bigEndian
            return withUnsafePointer(to: &socketAddress) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    body(AF_INET, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        case .v6(let groups):
            var socketAddress = sockaddr_in6()
            socketAddress.sin6_family = sa_family_t(AF_INET6)
            socketAddress.sin6_port = port.bigEndian
            withUnsafeMutableBytes(of: &socketAddress.sin6_addr) { bytes in
                for (index, group) in groups.groups.enumerated() {
                    bytes[index * 2] = UInt8(group >> 8)
                    bytes[index * 2 + 1] = UInt8(group & 0xFF)
                }
            }
            return withUnsafePointer(to: &socketAddress) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    body(AF_INET6, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        }
    }
}
