import CLibSSH2
import CLinux
import Glibc
import Logging
import Platform
import Policy

/// The data path of one authenticated session: requests the forwards, proves reverse listeners are
/// ours, then carries connections until the session dies or a stop is requested.
final class ForwardingLoop {
    /// SSH output not yet taken by the socket above which channels stop producing more.
    static let sessionBacklogLimit = 4 << 20
    /// How long the server may take to answer a forward request or the ownership check.
    static let requestTimeout: Duration = .seconds(10)

    private let session: SSHSession
    private let spec: TunnelSpec
    private let stop: StopSignal
    private let logger: Logger
    private var liveness: Liveness
    /// Forward state, for status.
    private(set) var forwards: [ForwardStatus]
    private var remoteListeners: [(listener: OpaquePointer, forward: TunnelSpec.Forward)] = []
    private var localListeners: [(fd: Int32, forward: TunnelSpec.Forward)] = []
    private var pumps: [ChannelPump] = []
    private var closing: [OpaquePointer] = []
    private var pendingOpens: [(fd: Int32, forward: TunnelSpec.Forward)] = []
    private var earlyChannels: [(channel: OpaquePointer, prefix: [UInt8], forward: TunnelSpec.Forward)] = []
    /// Payload bytes of pumps already finished.
    private var finishedIn: UInt64 = 0
    private var finishedOut: UInt64 = 0

    init(session: SSHSession, spec: TunnelSpec, stop: StopSignal, logger: Logger) {
        self.session = session
        self.spec = spec
        self.stop = stop
        self.logger = logger
        let keepalive = Liveness.effectiveKeepalive(spec.keepalive)
        liveness = Liveness(keepalive: keepalive, now: .now)
        forwards = spec.forwards.map { ForwardStatus(listen: $0.listen.description, target: $0.target?.description) }
        libssh2_keepalive_config(session.raw, 1, UInt32(keepalive.components.seconds))
    }

    deinit {
        for pump in pumps { close(pump.fd) }
        for pending in pendingOpens { close(pending.fd) }
        for listener in localListeners { close(listener.fd) }
    }

    /// Payload bytes carried from the server side to this host.
    var bytesIn: UInt64 { finishedIn + pumps.reduce(0) { $0 + $1.bytesIn } }
    /// Payload bytes carried from this host to the server side.
    var bytesOut: UInt64 { finishedOut + pumps.reduce(0) { $0 + $1.bytesOut } }
    /// Connections open now.
    var openChannels: Int { pumps.count + pendingOpens.count }

    // MARK: establishing

    /// Requests every forward; throws the failure that stops the tunnel from being up.
    func establish() throws {
        switch spec.mode {
        case .reverse:
            for (index, forward) in spec.forwards.enumerated() {
                remoteListeners.append((try requestRemoteListener(forward), forward))
                forwards[index].active = true
            }
            for index in remoteListeners.indices { try verifyOwnership(index) }
        case .local:
            for (index, forward) in spec.forwards.enumerated() {
                switch TCPSocket.listen(on: forward.listen) {
                case .success(let fd):
                    localListeners.append((fd, forward))
                    forwards[index].active = true
                case .failure(let error):
                    throw TunnelFailure(.forwardRefused, "cannot listen on \(forward.listen) here: \(error)")
                }
            }
        case .inbound:
            preconditionFailure("inbound tunnels hold no session")
        }
    }

    /// How many server-opened channels libssh2 holds before `forward_accept` takes them; beyond it
    /// the server is told "resource shortage". One read of the socket can carry hundreds of opens
    /// when many clients connect at once, so this is far above the accept backlog of a listener.
    private static let acceptQueue: Int32 = 4096

    /// `tcpip-forward` for the literal loopback address, watching for OpenSSH's GatewayPorts override.
    private func requestRemoteListener(_ forward: TunnelSpec.Forward) throws -> OpaquePointer {
        let host = forward.listen.address.description
        let port = Int32(forward.listen.port)
        _ = session.io.takeDebugMessages()
        var bound: Int32 = 0
        let listener = try session.drive(
            "requesting \(forward.listen) on the server", deadline: .now + Self.requestTimeout, timeout: .stalled
        ) {
            libssh2_channel_forward_listen_ex(session.raw, host, port, &bound, Self.acceptQueue)
        }
        if let override = session.io.takeDebugMessages().first(where: { $0.contains("GatewayPorts") }) {
            if let listener {
                _ = try? session.drive("cancelling the exposed forward", deadline: .now + Self.requestTimeout, timeout: .stalled) {
                    libssh2_channel_forward_cancel(listener)
                }
            }
            throw TunnelFailure(
                .exposed,
                "the server bound \(forward.listen) on every interface (it said: \"\(override)\"); forward cancelled and session closed. Set GatewayPorts no for this user on the server (units/sshd-bridgekeeper.conf)")
        }
        if let listener { return listener }
        let (code, message) = session.lastError()
        guard code == LIBSSH2_ERROR_REQUEST_DENIED else {
            throw session.failure(.disconnected, "requesting \(forward.listen) on the server")
        }
        throw try classifyRefusal(forward, detail: message)
    }

    /// Tells a busy port (something already listens: usually a dead session's listener the server
    /// has not reaped yet) from server policy, by trying to connect to it through the session.
    private func classifyRefusal(_ forward: TunnelSpec.Forward, detail: String) throws -> TunnelFailure {
        let channel = try openDirect(to: forward.listen, what: "checking \(forward.listen) on the server")
        if let channel {
            _ = try session.drive("closing the check", deadline: .now + Self.requestTimeout, timeout: .stalled) {
                libssh2_channel_free(channel)
            }
            return TunnelFailure(
                .remotePortBusy,
                "the server refused to listen on \(forward.listen) because something already listens there (usually a previous session the server has not noticed is dead); retrying until it is freed")
        }
        let reason = session.lastError().message
        if reason.contains("connect failed") {
            return TunnelFailure(
                .forwardRefused,
                "the server refused to listen on \(forward.listen) and nothing listens there, so its policy forbids it; allow it for this user (PermitListen \(forward.listen), AllowTcpForwarding yes; see units/sshd-bridgekeeper.conf)",
                refusal: .init(listen: forward.listen, checked: true))
        }
        return TunnelFailure(
            .forwardRefused,
            "the server refused to listen on \(forward.listen) (\(detail)) and did not allow checking the port (\(reason)); allow PermitListen and PermitOpen \(forward.listen) for this user",
            refusal: .init(listen: forward.listen, checked: false))
    }

    /// Opens a `direct-tcpip` channel to an address on the server; nil when the server refused.
    private func openDirect(to address: BindAddress, what: String) throws -> OpaquePointer? {
        try session.drive(what, deadline: .now + Self.requestTimeout, timeout: .stalled) {
            libssh2_channel_direct_tcpip_ex(session.raw, address.address.description, Int32(address.port), "127.0.0.1", 0)
        }
    }

    /// Proves the listener is ours: a nonce sent to the listen address on the server through a
    /// `direct-tcpip` channel must come back to this session as a `forwarded-tcpip` connection.
    private func verifyOwnership(_ index: Int) throws {
        let (listener, forward) = remoteListeners[index]
        guard let probe = try openDirect(to: forward.listen, what: "checking that \(forward.listen) is ours") else {
            forwards[index].verified = nil
            forwards[index].note =
                "ownership not verified: the server refused direct-tcpip to \(forward.listen) (\(session.lastError().message)); allow PermitOpen \(forward.listen)"
            logger.warning("\(forwards[index].note!)", metadata: ["tunnel": "\(spec.name)"])
            return
        }
        var nonce = Array("bridgekeeper-ownership-check ".utf8)
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<16 { nonce += Array(String(generator.next() as UInt8, radix: 16).utf8) }
        nonce.append(0x0A)
        let deadline = ContinuousClock.now + Self.requestTimeout
        var sent = 0
        while sent < nonce.count {
            let written = try session.drive("sending the ownership check", deadline: deadline, timeout: .stalled) {
                nonce[sent...].withUnsafeBytes { Int32(truncatingIfNeeded: libssh2_channel_write_ex(probe, 0, $0.baseAddress, $0.count)) }
            }
            guard written > 0 else { throw session.failure(.disconnected, "sending the ownership check") }
            sent += Int(written)
        }
        var candidates: [(channel: OpaquePointer, prefix: [UInt8])] = []
        defer { _ = try? session.drive("closing the check", deadline: .now + Self.requestTimeout, timeout: .stalled) { libssh2_channel_free(probe) } }
        while true {
            if let channel = libssh2_channel_forward_accept(listener) {
                candidates.append((channel, []))
            } else if libssh2_session_last_errno(session.raw) != LIBSSH2_ERROR_EAGAIN {
                throw session.failure(.disconnected, "waiting for the ownership check on \(forward.listen)")
            }
            var buffer = [UInt8](repeating: 0, count: nonce.count)
            var position = 0
            while position < candidates.count {
                let channel = candidates[position].channel
                let wanted = nonce.count - candidates[position].prefix.count
                let count = buffer.withUnsafeMutableBytes { libssh2_channel_read_ex(channel, 0, $0.baseAddress, wanted) }
                if count > 0 { candidates[position].prefix += buffer[0..<count] }
                let prefix = candidates[position].prefix
                if prefix == nonce {
                    closing.append(channel)
                    candidates.remove(at: position)
                    candidates.forEach { earlyChannels.append(($0.channel, $0.prefix, forward)) }
                    forwards[index].verified = true
                    return
                }
                if !nonce.starts(with: prefix) || (count == 0 && libssh2_channel_eof(channel) != 0) {
                    // A real client connected meanwhile: it is served once the loop runs.
                    earlyChannels.append((channel, prefix, forward))
                    candidates.remove(at: position)
                    continue
                }
                position += 1
            }
            session.io.flush()
            do {
                try session.wait("the ownership check of \(forward.listen)", deadline: deadline, timeout: .forwardRefused)
            } catch let failure as TunnelFailure where failure.failure == .forwardRefused {
                candidates.forEach { earlyChannels.append(($0.channel, $0.prefix, forward)) }
                throw TunnelFailure(
                    .forwardRefused,
                    "a connection to \(forward.listen) on the server did not come back through this session: something else owns that listener")
            }
        }
    }

    // MARK: carrying connections

    /// Carries connections until the session fails (thrown as a `TunnelFailure`) or a stop is
    /// requested (`StopRequested`). `report` is called about twice a second with fresh counters.
    func run(report: () -> Void) throws {
        for early in earlyChannels { startPump(channel: early.channel, forward: early.forward, prefix: early.prefix) }
        earlyChannels.removeAll()
        var lastReport = ContinuousClock.now
        var descriptors: [pollfd] = []
        var progressed = true
        while true {
            if stop.isStopped { throw StopRequested() }
            progressed = try acceptRemote() || progressed
            progressed = acceptLocal() || progressed
            progressed = try openPending() || progressed
            progressed = stepPumps() || progressed
            reapClosing()
            var secondsToNext: Int32 = 0
            _ = libssh2_keepalive_send(session.raw, &secondsToNext)
            guard session.io.flush(), session.io.socketError == nil, session.transport.proxyFailure == nil else {
                throw session.failure(.disconnected, "the session ended")
            }
            let now = ContinuousClock.now
            liveness.heard(at: session.io.lastInbound)
            if liveness.isDead(at: now) {
                throw TunnelFailure(
                    .stalled, "no byte from the server for \(liveness.deadline) (3 × keepalive); the connection is dead")
            }
            if now - lastReport >= .milliseconds(500) {
                report()
                lastReport = now
            }
            let timeout: Duration =
                progressed ? .zero : min(liveness.remaining(at: now), .seconds(Int64(max(secondsToNext, 1))), .seconds(1))
            fillDescriptors(&descriptors)
            _ = poll(&descriptors, nfds_t(descriptors.count), timeout.pollTimeout)
            for (offset, pump) in pumps.enumerated() { pump.revents = descriptors[2 + localListeners.count + offset].revents }
            progressed = false
        }
    }

    private func fillDescriptors(_ descriptors: inout [pollfd]) {
        descriptors.removeAll(keepingCapacity: true)
        let sessionEvents = Int16(POLLIN) | (session.io.pending > 0 ? Int16(POLLOUT) : 0)
        descriptors.append(pollfd(fd: session.io.fd, events: sessionEvents, revents: 0))
        descriptors.append(pollfd(fd: stop.fd, events: Int16(POLLIN), revents: 0))
        for listener in localListeners { descriptors.append(pollfd(fd: listener.fd, events: Int16(POLLIN), revents: 0)) }
        for pump in pumps { descriptors.append(pollfd(fd: pump.fd, events: pump.events, revents: 0)) }
    }

    /// Takes `forwarded-tcpip` channels the server opened for reverse listeners.
    private func acceptRemote() throws -> Bool {
        var accepted = false
        for (listener, forward) in remoteListeners {
            while let channel = libssh2_channel_forward_accept(listener) {
                startPump(channel: channel, forward: forward, prefix: [])
                accepted = true
            }
            let code = libssh2_session_last_errno(session.raw)
            if code != LIBSSH2_ERROR_EAGAIN && code != 0 {
                throw session.failure(.disconnected, "accepting connections on \(forward.listen)")
            }
        }
        return accepted
    }

    /// Connects a reverse-forwarded channel to its target here.
    private func startPump(channel: OpaquePointer, forward: TunnelSpec.Forward, prefix: [UInt8]) {
        guard let target = forward.target else {
            closing.append(channel)
            return
        }
        switch TCPSocket.connect(to: target) {
        case .success(let fd):
            pumps.append(ChannelPump(fd: fd, channel: channel, connecting: true, prefix: prefix, answersHeartbeats: true))
        case .failure(let error):
            logger.warning(
                "cannot reach the target; connection dropped",
                metadata: ["tunnel": "\(spec.name)", "target": "\(target)", "error": "\(error)"])
            closing.append(channel)
        }
    }

    /// Accepts local connections for local forwards; each waits for its `direct-tcpip` channel.
    private func acceptLocal() -> Bool {
        var accepted = false
        for listener in localListeners {
            while true {
                // Close-on-exec from the start: a child spawned meanwhile must not inherit it.
                let fd = bk_accept4(listener.fd, Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue))
                guard fd >= 0 else { break }
                TCPSocket.setNoDelay(fd)
                pendingOpens.append((fd, listener.forward))
                accepted = true
            }
        }
        return accepted
    }

    /// Opens channels for accepted local connections, one at a time (libssh2 keeps one channel
    /// open in flight per session).
    private func openPending() throws -> Bool {
        guard let (fd, forward) = pendingOpens.first, let target = forward.target else { return false }
        let channel = libssh2_channel_direct_tcpip_ex(
            session.raw, target.address.description, Int32(target.port), "127.0.0.1", Int32(forward.listen.port))
        if let channel {
            pendingOpens.removeFirst()
            pumps.append(ChannelPump(fd: fd, channel: channel, connecting: false, prefix: []))
            return true
        }
        let (code, message) = session.lastError()
        if code == LIBSSH2_ERROR_EAGAIN { return false }
        pendingOpens.removeFirst()
        close(fd)
        guard code == LIBSSH2_ERROR_CHANNEL_FAILURE else {
            throw session.failure(.disconnected, "opening a channel to \(target)")
        }
        logger.warning(
            "the server refused a connection to the target",
            metadata: ["tunnel": "\(spec.name)", "target": "\(target)", "error": "\(message)"])
        return true
    }

    /// Moves data on every connection and retires finished ones.
    private func stepPumps() -> Bool {
        var moved = false
        var index = 0
        while index < pumps.count {
            let pump = pumps[index]
            if pump.step(sessionBacklog: session.io.pending, limit: Self.sessionBacklogLimit) { moved = true }
            if pump.isFinished {
                if let failure = pump.failure {
                    logger.debug("connection ended early", metadata: ["tunnel": "\(spec.name)", "error": "\(failure)"])
                }
                finishedIn += pump.bytesIn
                finishedOut += pump.bytesOut
                close(pump.fd)
                closing.append(pump.channel)
                pumps.remove(at: index)
                continue
            }
            index += 1
        }
        return moved
    }

    /// Frees channels whose close has completed.
    private func reapClosing() {
        closing.removeAll { libssh2_channel_free($0) != LIBSSH2_ERROR_EAGAIN }
    }
}
