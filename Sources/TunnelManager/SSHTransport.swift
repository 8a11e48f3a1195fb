import Glibc
import Logging
import Platform

/// The byte stream an SSH session runs over: a TCP connection (TCP_NODELAY, connect timeout) or a
/// ProxyCommand on a socketpair. Its descriptor is non-blocking.
final class SSHTransport {
    /// The descriptor libssh2 talks to.
    let fd: Int32
    private let proxy: ProxyCommand?

    private init(fd: Int32, proxy: ProxyCommand?) {
        self.fd = fd
        self.proxy = proxy
    }

    /// Opens the stream to `server`, through `proxyCommand` when one is set.
    static func open(
        to server: TunnelSpec.Server, proxyCommand: String?, timeout: Duration, logger: Logger
    ) throws(TunnelFailure) -> SSHTransport {
        if let proxyCommand {
            let command = try ProxyCommand.expand(proxyCommand, host: server.host, port: server.port, user: server.user)
            var pair: [Int32] = [0, 0]
            guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
                throw TunnelFailure(.proxyFailed, "proxy_command: socketpair: \(String(cString: strerror(errno)))")
            }
            let proxy: ProxyCommand
            do {
                proxy = try ProxyCommand(command: command, childEnd: pair[1], logger: logger)
            } catch {
                Glibc.close(pair[0])
                Glibc.close(pair[1])
                throw error
            }
            Glibc.close(pair[1])
            TCPSocket.setNonBlocking(pair[0])
            return SSHTransport(fd: pair[0], proxy: proxy)
        }
        return SSHTransport(fd: try connectTCP(host: server.host, port: server.port, timeout: timeout), proxy: nil)
    }

    /// If the ProxyCommand has ended: how, and the last thing it said.
    var proxyFailure: String? { proxyFailure(within: .zero) }

    /// If the ProxyCommand ends within `limit`: how, and the last thing it said.
    func proxyFailure(within limit: Duration) -> String? {
        guard let proxy, let status = proxy.awaitExit(within: limit) else { return nil }
        return "proxy_command \(status)" + (proxy.lastErrorLine.map { ": \($0)" } ?? "")
    }

    /// Whether the stream goes through a ProxyCommand.
    var isProxied: Bool { proxy != nil }

    /// Closes the descriptor and stops the ProxyCommand.
    func close() {
        Glibc.close(fd)
        proxy?.terminate()
    }

    private static func connectTCP(host: String, port: UInt16, timeout: Duration) throws(TunnelFailure) -> Int32 {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_ADDRCONFIG
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw TunnelFailure(.connectFailed, "cannot resolve \(host): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(list) }
        var lastError = "no address"
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let info = entry {
            entry = info.pointee.ai_next
            let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { continue }
            TCPSocket.setNonBlocking(fd)
            TCPSocket.setNoDelay(fd)
            if Glibc.connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 { return fd }
            guard errno == EINPROGRESS else {
                lastError = String(cString: strerror(errno))
                Glibc.close(fd)
                continue
            }
            var pollfd = Glibc.pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            let ready = poll(&pollfd, 1, timeout.pollTimeout)
            if ready == 0 {
                lastError = "timed out after \(timeout)"
                Glibc.close(fd)
                continue
            }
            let error = TCPSocket.pendingError(fd)
            if error == 0 { return fd }
            lastError = String(cString: strerror(error))
            Glibc.close(fd)
        }
        throw TunnelFailure(.connectFailed, "cannot connect to \(host):\(port): \(lastError)")
    }
}
