import CLibSSH2
import Glibc

/// Carries one connection between a local socket and an SSH channel, both ways, non-blocking.
///
/// Each direction has its own bounded queue; a side is read only while the queue towards its
/// peer has room, so a slow reader backs up to the writer instead of into memory. EOF is passed
/// on in both directions (a shutdown(SHUT_WR) here becomes SSH_MSG_CHANNEL_EOF there and back).
///
/// A pump made with `answersHeartbeats` answers a connection that opens with
/// ``TunnelHeartbeat/request`` itself instead of passing it on: the gateway host's proof that
/// this session still carries, whatever the target does. Bytes that could still be that request
/// wait; anything else passes at once.
final class ChannelPump {
    /// Queue size per direction. Bulk transfers cost less CPU per MiB with more per read and per
    /// channel write (fewer polls and calls into libssh2; BENCHMARKS.md: 64 KiB 5.9 ms/MiB,
    /// 256 KiB 4.6–5.0, 1 MiB no better). The queues are allocated as address space and only
    /// what a transfer fills becomes resident.
    static let bufferSize = 256 * 1024

    /// The local socket.
    let fd: Int32
    /// The SSH channel.
    let channel: OpaquePointer
    /// Bytes carried from the channel to the socket.
    private(set) var bytesIn: UInt64 = 0
    /// Bytes carried from the socket to the channel.
    private(set) var bytesOut: UInt64 = 0
    /// Why the pump ended early, if it did.
    private(set) var failure: String?

    /// What poll(2) last reported for the socket.
    var revents: Int16 = 0

    private var connecting: Bool
    private let toLocal = ByteQueue(capacity: ChannelPump.bufferSize)
    private let toRemote = ByteQueue(capacity: ChannelPump.bufferSize)
    private var localEOF = false
    private var remoteEOFSent = false
    private var remoteEOF = false
    private var localShutDown = false
    /// Whether what came from the channel so far could still be a heartbeat.
    private var sniffing: Bool

    /// A pump over a connected (or connecting) socket and an open channel; `prefix` holds bytes
    /// already read from the channel.
    init(fd: Int32, channel: OpaquePointer, connecting: Bool, prefix: [UInt8] = [], answersHeartbeats: Bool = false) {
        self.fd = fd
        self.channel = channel
        self.connecting = connecting
        sniffing = answersHeartbeats
        prefix.withUnsafeBytes { toLocal.append($0) }
    }

    /// Whether both directions have ended (or the pump failed).
    var isFinished: Bool {
        failure != nil || (remoteEOFSent && localShutDown)
    }

    /// The poll(2) events this pump waits for on its socket.
    var events: Int16 {
        if connecting { return Int16(POLLOUT) }
        var events: Int16 = 0
        if !localEOF && toRemote.space > 0 { events |= Int16(POLLIN) }
        if !toLocal.isEmpty && !sniffing { events |= Int16(POLLOUT) }
        return events
    }

    /// Moves whatever can move now. `sessionBacklog` is how much SSH output is still unsent; above
    /// `limit`, nothing new is written into the channel. Returns whether anything moved.
    func step(sessionBacklog: Int, limit: Int) -> Bool {
        guard failure == nil else { return false }
        if sniffing, sniff() { return true }
        if connecting {
            guard revents != 0 else { return false }
            let error = TCPSocket.pendingError(fd)
            if error != 0 {
                failure = "connect to target: \(TCPSocket.describe(error))"
                return true
            }
            connecting = false
        }
        var moved = false
        moved = readLocal() || moved
        moved = writeRemote(backlog: sessionBacklog, limit: limit) || moved
        moved = readRemote() || moved
        moved = writeLocal() || moved
        return moved
    }

    /// Reads what the channel offers while it could be a heartbeat; answers one (the target gets
    /// nothing, its socket is closed with the pump). Returns whether it answered.
    private func sniff() -> Bool {
        _ = readRemote()
        let held = toLocal.bytes
        let request = TunnelHeartbeat.request
        if held.count >= request.count, held.starts(with: request) {
            sniffing = false
            toLocal.drain { _, count in count }
            TunnelHeartbeat.answer.withUnsafeBytes { toRemote.append($0) }
            connecting = false
            localEOF = true
            localShutDown = true
            return true
        }
        if !request.starts(with: held) || remoteEOF || failure != nil { sniffing = false }
        return false
    }

    private func readLocal() -> Bool {
        guard !localEOF, toRemote.space > 0, revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 else { return false }
        revents = 0
        let count = toRemote.fill { Glibc.read(fd, $0, $1) }
        if count > 0 { return true }
        if count == 0 {
            localEOF = true
            return true
        }
        if errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR {
            // The local side reset: nothing more can be delivered there either.
            failure = "local socket: \(TCPSocket.describe(errno))"
            return true
        }
        return false
    }

    private func writeRemote(backlog: Int, limit: Int) -> Bool {
        var moved = false
        while !toRemote.isEmpty && backlog < limit {
            let written = toRemote.drain { libssh2_channel_write_ex(channel, 0, $0, $1) }
            if written > 0 {
                bytesOut += UInt64(written)
                moved = true
                continue
            }
            if written != Int(LIBSSH2_ERROR_EAGAIN) { failure = "channel write failed (\(written))" }
            return moved
        }
        if localEOF && toRemote.isEmpty && !remoteEOFSent {
            let status = libssh2_channel_send_eof(channel)
            if status == 0 {
                remoteEOFSent = true
                moved = true
            } else if status != LIBSSH2_ERROR_EAGAIN {
                remoteEOFSent = true
            }
        }
        return moved
    }

    private func readRemote() -> Bool {
        var moved = false
        while !remoteEOF && toLocal.space > 0 {
            let count = toLocal.fill { libssh2_channel_read_ex(channel, 0, $0, $1) }
            if count > 0 {
                bytesIn += UInt64(count)
                moved = true
                continue
            }
            if count == 0 || libssh2_channel_eof(channel) != 0 {
                if libssh2_channel_eof(channel) != 0 {
                    remoteEOF = true
                    moved = true
                }
                break
            }
            if count != Int(LIBSSH2_ERROR_EAGAIN) {
                failure = "channel read failed (\(count))"
                return true
            }
            break
        }
        return moved
    }

    private func writeLocal() -> Bool {
        guard !sniffing else { return false }
        var moved = false
        while !toLocal.isEmpty {
            let written = toLocal.drain { Glibc.send(fd, $0, $1, Int32(MSG_NOSIGNAL)) }
            if written > 0 {
                moved = true
                continue
            }
            if written < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR {
                failure = "local socket: \(TCPSocket.describe(errno))"
                return true
            }
            break
        }
        if remoteEOF && toLocal.isEmpty && !localShutDown {
            shutdown(fd, Int32(SHUT_WR))
            localShutDown = true
            moved = true
        }
        return moved
    }
}
