import Glibc
import Policy

/// The few socket operations the tunnel data path needs, on raw descriptors.
enum TCPSocket {
    /// Puts a descriptor in non-blocking mode.
    static func setNonBlocking(_ fd: Int32) {
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
    }

    /// Disables Nagle: LLM output streams are many small writes.
    static func setNoDelay(_ fd: Int32) {
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    /// The error of a non-blocking connect, 0 once connected.
    static func pendingError(_ fd: Int32) -> Int32 {
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
        return error
    }

    /// The text of an errno value.
    static func describe(_ code: Int32) -> String { String(cString: strerror(code)) }

    /// Starts a non-blocking connect to a loopback address; returns the descriptor (connecting or
    /// connected) or the errno.
    static func connect(to address: BindAddress) -> Result<Int32, SocketError> {
        address.withSocketAddress { family, pointer, length in
            let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            guard fd >= 0 else { return .failure(SocketError(errno)) }
            setNoDelay(fd)
            if Glibc.connect(fd, pointer, length) == 0 || errno == EINPROGRESS { return .success(fd) }
            let code = errno
            close(fd)
            return .failure(SocketError(code))
        }
    }

    /// A non-blocking listening socket on a loopback address (SO_REUSEADDR, never a wider bind).
    static func listen(on address: BindAddress) -> Result<Int32, SocketError> {
        address.withSocketAddress { family, pointer, length in
            let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            guard fd >= 0 else { return .failure(SocketError(errno)) }
            var one: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            if family == AF_INET6 {
                setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &one, socklen_t(MemoryLayout<Int32>.size))
            }
            guard bind(fd, pointer, length) == 0, Glibc.listen(fd, 512) == 0 else {
                let code = errno
                close(fd)
                return .failure(SocketError(code))
            }
            return .success(fd)
        }
    }
}

/// An errno from a socket call.
struct SocketError: Error, CustomStringConvertible {
    let code: Int32
    init(_ code: Int32) { self.code = code }
    var description: String { TCPSocket.describe(code) }
}
