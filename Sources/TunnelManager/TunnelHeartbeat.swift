import Glibc
import Policy

/// Proves that an inbound forward still carries, beyond its listener being there.
///
/// sshd keeps a dead session's listener until its own keepalive gives up (20–60 s, or never), and
/// meanwhile accepts every connection to it and then says nothing. So every `interval` this
/// connects to the forward's listener and sends ``request``: anything coming back — the bridge-host
/// daemon's ``answer``, a target's own reply (a plain `ssh -R` peer passes the request on), an end of
/// stream or a reset — shows the far side heard. Nothing for three intervals means the session is
/// dead, as the bridge host's own keepalive would conclude. Never blocks; `now` is the caller's clock.
struct TunnelHeartbeat {
    /// What a heartbeat sends down the forward.
    static let request = Array("bridgekeeper-heartbeat\n".utf8)
    /// What a bridge-host daemon answers instead of passing the request to the target.
    static let answer = Array("bridgekeeper-heartbeat-ok\n".utf8)

    /// The forward's listener.
    let address: BindAddress
    /// How often a heartbeat goes out.
    let interval: Duration
    private var fd: Int32 = -1
    private var sent = false
    private var nextAt: ContinuousClock.Instant
    /// When the far side was last heard (or the count restarted).
    private(set) var lastHeard: ContinuousClock.Instant

    init(address: BindAddress, interval: Duration, now: ContinuousClock.Instant) {
        self.address = address
        self.interval = interval
        nextAt = now
        lastHeard = now
    }

    /// Silence longer than this means the forward is dead.
    var deadline: Duration { interval * 3 }

    /// Whether the far side has been silent for `deadline` at `now`.
    func isSilent(at now: ContinuousClock.Instant) -> Bool { now - lastHeard >= deadline }

    /// Starts counting afresh at `now` (a listener appeared), dropping any heartbeat in flight.
    mutating func restart(at now: ContinuousClock.Instant) {
        close()
        lastHeard = now
        nextAt = now
    }

    /// Sends a heartbeat when one is due and takes its answer when one came.
    mutating func step(at now: ContinuousClock.Instant) {
        if fd < 0 {
            guard now >= nextAt else { return }
            nextAt = now + interval
            // No listener: the watcher already says so.
            guard case .success(let socket) = TCPSocket.connect(to: address) else { return }
            fd = socket
            sent = false
        }
        var descriptor = pollfd(fd: fd, events: Int16(sent ? POLLIN : POLLOUT), revents: 0)
        guard poll(&descriptor, 1, 0) > 0 else { return }
        if !sent {
            let written = Self.request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            // Refused or reset before a word: the listener went away, which is not hearing back.
            guard written == Self.request.count else { return close() }
            sent = true
            return
        }
        // Bytes, an end of stream or a reset: the far side acted on the connection.
        lastHeard = now
        nextAt = now + interval
        close()
    }

    /// Closes the heartbeat in flight, if any.
    mutating func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }
}
