import Glibc

/// TCP ports on 127.0.0.1: which are free to listen on, and which accept connections.
public enum LoopbackPort {
    /// Why no free port could be picked.
    public struct Failure: Error, CustomStringConvertible {
        /// `cannot pick a free port: bind 127.0.0.1:0: …`.
        public let description: String

        init(_ description: String) { self.description = description }
    }

    /// A port that was free a moment ago: bound to port 0, read back, closed.
    public static func free() throws(Failure) -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure("cannot pick a free port: socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard bind(fd, port: 0) == 0 else {
            throw Failure("cannot pick a free port: bind 127.0.0.1:0: \(String(cString: strerror(errno)))")
        }
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw Failure("cannot pick a free port: getsockname: \(String(cString: strerror(errno)))") }
        return UInt16(bigEndian: address.sin_port)
    }

    /// Whether 127.0.0.1:`port` can be listened on now.
    public static func isFree(_ port: UInt16) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        return bind(fd, port: port) == 0
    }

    /// A free port not in `taken` (ports this demo already uses, or is about to).
    public static func free(avoiding taken: Set<UInt16>) throws(Failure) -> UInt16 {
        for _ in 0..<16 {
            let port = try free()
            if !taken.contains(port) { return port }
        }
        throw Failure("cannot pick a free port on 127.0.0.1: the system keeps offering ports already in use")
    }

    /// `preferred` when it is free and not in `taken`, else any free port not in `taken`.
    public static func preferring(_ preferred: UInt16, avoiding taken: Set<UInt16>) throws(Failure) -> UInt16 {
        !taken.contains(preferred) && isFree(preferred) ? preferred : try free(avoiding: taken)
    }

    /// The first bytes 127.0.0.1:`port` sends on a new connection (an SSH server's banner, say),
    /// waiting up to `timeout` for them; nil when it does not accept or sends nothing in time.
    public static func greeting(_ port: UInt16, timeout: Duration) -> [UInt8]? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var address = loopback(port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return nil }
        var ready = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&ready, 1, timeout.pollTimeout) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 256)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        return count > 0 ? Array(buffer.prefix(count)) : nil
    }

    private static func bind(_ fd: Int32, port: UInt16) -> Int32 {
        var address = loopback(port)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
    }

    private static func loopback(_ port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return address
    }
}
