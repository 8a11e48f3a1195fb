import CLibSSH2
import Foundation
import Glibc
import Platform

/// One non-blocking libssh2 session over a transport: handshake, host-key check, public-key
/// authentication, and `drive` for the calls that must run to completion before the data loop
/// starts. Used from one thread only (libssh2 is not thread-safe per session).
final class SSHSession {
    /// The libssh2 session.
    let raw: OpaquePointer
    /// The socket as libssh2 sees it.
    let io: SessionIO
    /// The stream under it.
    let transport: SSHTransport
    private let stop: StopSignal

    /// The host-key algorithms libssh2 1.10 can verify.
    static let supportedHostKeyTypes = [
        "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa",
    ]

    init(transport: SSHTransport, stop: StopSignal) throws(TunnelFailure) {
        let io = SessionIO(fd: transport.fd)
        guard let raw = libssh2_session_init_ex(nil, nil, nil, Unmanaged.passUnretained(io).toOpaque()) else {
            throw TunnelFailure(.connectFailed, "libssh2 could not allocate a session")
        }
        self.raw = raw
        self.io = io
        self.transport = transport
        self.stop = stop
        io.install(on: raw)
        libssh2_session_set_blocking(raw, 0)
    }

    /// Sends a disconnect (best effort), frees the session and closes the transport.
    func close() {
        _ = "bridgekeeper closing".withCString { libssh2_session_disconnect_ex(raw, SSH_DISCONNECT_BY_APPLICATION, $0, "") }
        io.flush()
        libssh2_session_free(raw)
        transport.close()
    }

    /// Runs the key exchange, preferring host-key algorithms that known_hosts lists for this host
    /// (as OpenSSH does), so a host recorded with its ed25519 key is not reported unknown because
    /// the server also offers ecdsa.
    func handshake(preferring hostKeyTypes: [String], deadline: ContinuousClock.Instant) throws {
        let usable = hostKeyTypes.filter(Self.supportedHostKeyTypes.contains)
        if !usable.isEmpty {
            _ = libssh2_session_method_pref(raw, LIBSSH2_METHOD_HOSTKEY, usable.joined(separator: ","))
        }
        let status = try drive("SSH handshake", deadline: deadline, timeout: .connectFailed) {
            libssh2_session_handshake(raw, transport.fd)
        }
        guard status == 0 else { throw failure(.connectFailed, "SSH handshake failed") }
    }

    /// The host key the server presented: its algorithm name, blob and SHA-256 fingerprint.
    func hostKey() -> (type: String, blob: [UInt8], fingerprint: String) {
        var length = 0
        var type: Int32 = 0
        guard let key = libssh2_session_hostkey(raw, &length, &type) else { return ("unknown", [], "unknown") }
        let blob = Array(UnsafeRawBufferPointer(start: key, count: length)).map { UInt8($0) }
        var reader = SSHWireReader(blob)
        let name = reader.string() ?? "unknown"
        var fingerprint = "unknown"
        if let hash = libssh2_hostkey_hash(raw, LIBSSH2_HOSTKEY_HASH_SHA256) {
            let bytes = UnsafeRawBufferPointer(start: hash, count: 32)
            fingerprint = "SHA256:" + Data(bytes).base64EncodedString().replacingOccurrences(of: "=", with: "")
        }
        return (name, blob, fingerprint)
    }

    /// Public-key authentication with a checked ed25519 or ecdsa key file.
    func authenticate(user: String, identityFile: String, deadline: ContinuousClock.Instant) throws {
        let status = try drive("authentication", deadline: deadline, timeout: .stalled) {
            libssh2_userauth_publickey_fromfile_ex(raw, user, UInt32(user.utf8.count), nil, identityFile, nil)
        }
        guard status == 0 else {
            let (_, message) = lastError()
            throw TunnelFailure(
                .authFailed,
                "the server refused the key in \(identityFile) for user \(user) (\(message)); add its .pub line to that user's authorized_keys")
        }
    }

    /// libssh2's last error code and message.
    func lastError() -> (code: Int32, message: String) {
        var message: UnsafeMutablePointer<CChar>?
        var length: Int32 = 0
        let code = libssh2_session_last_error(raw, &message, &length, 0)
        return (code, message.map { String(cString: $0) } ?? "no detail")
    }

    /// A failure naming libssh2's last error, or the socket's, or the ProxyCommand's end.
    func failure(_ failure: FailureClass, _ what: String) -> TunnelFailure {
        // A broken stream through a ProxyCommand is usually the command ending: give it a moment
        // to exit and say why before calling it a network failure.
        let grace: Duration = io.socketError != nil ? .seconds(1) : .zero
        if let proxy = transport.proxyFailure(within: grace) { return TunnelFailure(.proxyFailed, "\(what): \(proxy)") }
        if let socket = io.socketError { return TunnelFailure(failure == .connectFailed ? .connectFailed : .disconnected, "\(what): \(socket)") }
        return TunnelFailure(failure, "\(what): \(lastError().message)")
    }

    /// Repeats a call returning a libssh2 status while it says EAGAIN.
    func drive(
        _ what: String, deadline: ContinuousClock.Instant, timeout: FailureClass, _ call: () -> Int32
    ) throws -> Int32 {
        while true {
            let status = call()
            io.flush()
            if status != LIBSSH2_ERROR_EAGAIN { return status }
            try wait(what, deadline: deadline, timeout: timeout)
        }
    }

    /// Repeats a call returning a libssh2 object while it returns nil with EAGAIN.
    func drive(
        _ what: String, deadline: ContinuousClock.Instant, timeout: FailureClass, _ call: () -> OpaquePointer?
    ) throws -> OpaquePointer? {
        while true {
            let result = call()
            io.flush()
            if result != nil || libssh2_session_last_errno(raw) != LIBSSH2_ERROR_EAGAIN { return result }
            try wait(what, deadline: deadline, timeout: timeout)
        }
    }

    /// Waits until the socket is readable (or writable while output is pending), a stop, or the deadline.
    func wait(_ what: String, deadline: ContinuousClock.Instant, timeout: FailureClass) throws {
        if stop.isStopped { throw StopRequested() }
        if io.socketError != nil || transport.proxyFailure != nil { throw failure(.disconnected, what) }
        let remaining = deadline - .now
        guard remaining > .zero else { throw TunnelFailure(timeout, "\(what) timed out") }
        var fds = [
            pollfd(fd: io.fd, events: Int16(POLLIN) | (io.pending > 0 ? Int16(POLLOUT) : 0), revents: 0),
            pollfd(fd: stop.fd, events: Int16(POLLIN), revents: 0),
        ]
        _ = poll(&fds, 2, min(remaining, .milliseconds(500)).pollTimeout)
        if stop.isStopped { throw StopRequested() }
    }
}
