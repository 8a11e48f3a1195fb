import CLibSSH2
import Glibc

/// The socket under one libssh2 session, seen through libssh2's I/O callbacks.
///
/// libssh2 writes through `send`, which always accepts everything into a buffer that the loop
/// flushes when the socket is writable. A partial send therefore never reaches libssh2, so no
/// packet is ever left half-sent inside it (which would forbid any other channel from writing
/// until that packet was retried). `receive` records when the last inbound byte arrived, which is
/// how a dead peer is told from a quiet one. `debug` collects SSH_MSG_DEBUG texts, where OpenSSH
/// says that GatewayPorts overrode the requested listen address.
final class SessionIO {
    /// The socket (TCP, or one end of the ProxyCommand's socketpair).
    let fd: Int32
    /// Bytes received from the peer.
    private(set) var received: UInt64 = 0
    /// Bytes sent to the peer.
    private(set) var sent: UInt64 = 0
    /// When the last byte arrived.
    private(set) var lastInbound = ContinuousClock.now
    /// Why the socket stopped working, if it did.
    private(set) var socketError: String?
    /// Debug messages the server sent since the last `takeDebugMessages()`.
    private var debugMessages: [String] = []
    private var outbound: [UInt8] = []
    private var outboundStart = 0

    init(fd: Int32) {
        self.fd = fd
        outbound.reserveCapacity(256 * 1024)
    }

    /// Bytes libssh2 has produced that the socket has not taken yet.
    var pending: Int { outbound.count - outboundStart }

    /// Writes as much of the buffer as the socket takes now. Returns false on a socket error.
    @discardableResult
    func flush() -> Bool {
        while pending > 0 {
            let written = outbound.withUnsafeBytes { buffer in
                Glibc.send(fd, buffer.baseAddress! + outboundStart, pending, Int32(MSG_NOSIGNAL))
            }
            if written > 0 {
                outboundStart += written
                sent += UInt64(written)
            } else if written < 0 && errno == EINTR {
                continue
            } else if written < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                break
            } else {
                socketError = "send: \(String(cString: strerror(errno)))"
                return false
            }
        }
        if outboundStart == outbound.count {
            outbound.removeAll(keepingCapacity: true)
            outboundStart = 0
        } else if outboundStart > 1 << 20 {
            outbound.removeFirst(outboundStart)
            outboundStart = 0
        }
        return true
    }

    /// The debug messages received since the last call.
    func takeDebugMessages() -> [String] {
        defer { debugMessages.removeAll() }
        return debugMessages
    }

    fileprivate func receive(_ buffer: UnsafeMutableRawPointer, _ length: Int) -> Int {
        let count = Glibc.recv(fd, buffer, length, 0)
        if count > 0 {
            received += UInt64(count)
            lastInbound = .now
            return count
        }
        if count == 0 {
            socketError = socketError ?? "the server closed the connection"
            return 0
        }
        let code = errno
        if code != EAGAIN && code != EWOULDBLOCK && code != EINTR {
            socketError = "recv: \(String(cString: strerror(code)))"
        }
        return -Int(code)
    }

    fileprivate func send(_ buffer: UnsafeRawPointer, _ length: Int) -> Int {
        outbound.append(contentsOf: UnsafeRawBufferPointer(start: buffer, count: length))
        return length
    }

    fileprivate func debug(_ message: String) {
        debugMessages.append(message)
    }

    /// Installs the callbacks on a session whose abstract pointer is this object.
    func install(on session: OpaquePointer) {
        _ = libssh2_session_callback_set(session, LIBSSH2_CALLBACK_RECV, unsafeBitCast(sessionReceive, to: UnsafeMutableRawPointer.self))
        _ = libssh2_session_callback_set(session, LIBSSH2_CALLBACK_SEND, unsafeBitCast(sessionSend, to: UnsafeMutableRawPointer.self))
        _ = libssh2_session_callback_set(session, LIBSSH2_CALLBACK_DEBUG, unsafeBitCast(sessionDebug, to: UnsafeMutableRawPointer.self))
    }

    fileprivate static func from(_ abstract: UnsafeMutablePointer<UnsafeMutableRawPointer?>?) -> SessionIO {
        Unmanaged<SessionIO>.fromOpaque(abstract!.pointee!).takeUnretainedValue()
    }
}

private let sessionReceive: @convention(c) (
    libssh2_socket_t, UnsafeMutableRawPointer?, Int, Int32, UnsafeMutablePointer<UnsafeMutableRawPointer?>?
) -> Int = { _, buffer, length, _, abstract in
    SessionIO.from(abstract).receive(buffer!, length)
}

private let sessionSend: @convention(c) (
    libssh2_socket_t, UnsafeRawPointer?, Int, Int32, UnsafeMutablePointer<UnsafeMutableRawPointer?>?
) -> Int = { _, buffer, length, _, abstract in
    SessionIO.from(abstract).send(buffer!, length)
}

private let sessionDebug: @convention(c) (
    OpaquePointer?, Int32, UnsafePointer<CChar>?, Int32, UnsafePointer<CChar>?, Int32,
    UnsafeMutablePointer<UnsafeMutableRawPointer?>?
) -> Void = { _, _, message, length, _, _, abstract in
    guard let message, length > 0 else { return }
    let text = String(decoding: UnsafeRawBufferPointer(start: message, count: Int(length)), as: UTF8.self)
    SessionIO.from(abstract).debug(text)
}
