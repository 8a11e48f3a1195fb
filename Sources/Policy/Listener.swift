import Glibc

/// A listening TCP socket seen in `/proc/net/tcp` or `/proc/net/tcp6`, or a bound UDP socket (one
/// that receives datagrams sent to its port) seen in `/proc/net/udp` or `/proc/net/udp6`.
public struct Listener: Sendable, Hashable, CustomStringConvertible {
    /// TCP or UDP.
    public enum Transport: String, Sendable, Hashable {
        case tcp, udp
    }

    /// The local address it listens on.
    public let address: IPAddress
    /// The local port.
    public let port: UInt16
    /// The socket inode, which names the socket in `/proc/PID/fd`.
    public let inode: UInt64
    /// The owner's uid.
    public let uid: UInt32
    /// TCP or UDP.
    public var transport: Transport = .tcp

    /// Whether only loopback peers can reach it.
    public var isLoopbackOnly: Bool { address.addressClass == .loopback }

    /// `127.0.0.1:4000` or `[::]:4000`; a UDP socket says so: `udp 0.0.0.0:5353`.
    public var description: String {
        let endpoint =
            switch address {
            case .v4: "\(address):\(port)"
            case .v6: "[\(address)]:\(port)"
            }
        return transport == .udp ? "udp " + endpoint : endpoint
    }

    /// The listeners in `procRoot/net/tcp` and `procRoot/net/tcp6`, each file read to its end;
    /// `unreadable` names a file that could not be read (`tcp6` is absent, not unreadable, on a host
    /// without IPv6). Foundation's `String(contentsOfFile:)` stops after the first 4 KiB of a procfs
    /// file (about 27 sockets), which hid every listener past them on a busy host.
    /// With `udp`, bound UDP sockets from `udp` and `udp6` as well.
    public static func readProcNet(procRoot: String = "/proc", udp: Bool = false) -> (listeners: [Listener], unreadable: [String]) {
        var listeners: [Listener] = []
        var unreadable: [String] = []
        for table in ["tcp", "tcp6"] + (udp ? ["udp", "udp6"] : []) {
            let path = "\(procRoot)/net/\(table)"
            if let text = readWhole(path) {
                listeners += table.hasPrefix("udp") ? parseProcNet(text, transport: .udp) : parseProcNet(text)
            } else if table == "tcp" || table == "udp" || access(path, F_OK) == 0 {
                unreadable.append(path)
            }
        }
        return (listeners, unreadable)
    }

    /// A file's text, read until `read` returns 0, as procfs needs; nil if it cannot be opened or read.
    static func readWhole(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count == 0 { return String(decoding: bytes, as: UTF8.self) }
            if count < 0 {
                if errno == EINTR { continue }
                return nil
            }
            bytes.append(contentsOf: chunk[0..<count])
        }
    }

    /// Parses the text of `/proc/net/tcp` or `/proc/net/tcp6`, keeping sockets in LISTEN state.
    /// Addresses there are the kernel's in-memory (network-order) bytes printed as native-endian
    /// 32-bit words, so they are decoded through this machine's byte order.
    /// With `transport` `.udp` (the text of `/proc/net/udp{,6}`), the sockets kept are the bound,
    /// unconnected ones (state 07 with a port): those that take datagrams from anyone.
    public static func parseProcNet(_ text: String, transport: Transport = .tcp) -> [Listener] {
        text.split(separator: "\n").dropFirst().compactMap { line in
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 10, fields[3] == (transport == .tcp ? "0A" : "07") else { return nil }
            let local = fields[1].split(separator: ":")
            guard local.count == 2, let port = UInt16(local[1], radix: 16),
                let address = decodeProcAddress(local[0]),
                let uid = UInt32(fields[7]), let inode = UInt64(fields[9])
            else { return nil }
            guard transport == .tcp || port != 0 else { return nil }
            return Listener(address: address, port: port, inode: inode, uid: uid, transport: transport)
        }
    }

    private static func decodeProcAddress(_ hex: Substring) -> IPAddress? {
        guard hex.count == 8 || hex.count == 32 else { return nil }
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 8)
            guard let word = UInt32(hex[index..<next], radix: 16) else { return nil }
            withUnsafeBytes(of: word) { bytes.append(contentsOf: $0) }
            index = next
        }
        if bytes.count == 4 {
            return .v4(bytes.reduce(0) { $0 << 8 | UInt32($1) })
        }
        let groups = stride(from: 0, to: 16, by: 2).map { UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]) }
        return IPAddress.IPv6Groups(groups).map { .v6($0) }
    }
}
