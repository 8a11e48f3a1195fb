import Foundation
import Logging
import Platform
import Policy
import Synchronization

/// Watches an inbound tunnel — a reverse tunnel a peer holds into this host — through the
/// listeners in `/proc/net/tcp{,6}`: `up` when each forward's port has a loopback-only listener,
/// `down` when one has none, `exposed` at once when one listens on anything but loopback, and
/// `hijacked` when one is held by a user other than the tunnel's (`spec.owner`): any local user
/// could bind the port while the peer is away and receive every prompt routed there. While every
/// forward listens, a ``TunnelHeartbeat`` per forward proves the session behind it still carries:
/// a listener silent for three keepalives is a dead session sshd has not reaped yet, and the
/// tunnel is `down` then too.
final class InboundWatcher: Sendable {
    let spec: TunnelSpec
    private let board: StatusBoard
    private let logger: Logger
    private let procRoot: String
    private let interval: Duration
    private let stop = StopSignal()
    private let done = DispatchSemaphore(value: 0)
    private let checked = Atomic<Int>(0)

    /// How many times the listeners have been judged since ``start()``: what a test waits for
    /// instead of a span of time.
    var checks: Int { checked.load(ordering: .relaxed) }

    init(spec: TunnelSpec, board: StatusBoard, logger: Logger, procRoot: String, interval: Duration) {
        self.spec = spec
        self.board = board
        var logger = logger
        logger[metadataKey: "tunnel"] = "\(spec.name)"
        self.logger = logger
        self.procRoot = procRoot
        self.interval = interval
    }

    /// Starts the watching thread.
    func start() {
        DedicatedThread.start("bk-inbound-\(spec.name)") { [self] in
            var previous: Verdict?
            var owners: (inodes: Set<UInt64>, names: [UInt64: String]) = ([], [:])
            let ports = Set(spec.forwards.map(\.listen.port))
            var heartbeats = spec.forwards.map { TunnelHeartbeat(address: $0.listen, interval: spec.keepalive, now: .now) }
            defer { for index in heartbeats.indices { heartbeats[index].close() } }
            repeat {
                let listeners = readListeners().filter { ports.contains($0.port) }
                let inodes = Set(listeners.map(\.inode))
                if inodes != owners.inodes {
                    // Naming owners walks every process's descriptors: only when the sockets change.
                    owners = (inodes, inodes.isEmpty ? [:] : SocketOwners.scan(procRoot: procRoot, inodes: inodes).byInode)
                }
                var verdict = Self.judge(spec.forwards, owner: spec.owner, listeners: listeners, owners: owners.names)
                if verdict.state == .up {
                    let now = ContinuousClock.now
                    for index in heartbeats.indices {
                        if previous?.listening != true { heartbeats[index].restart(at: now) }
                        heartbeats[index].step(at: now)
                    }
                    Self.judgeSilence(&verdict, heartbeats: heartbeats, at: now)
                }
                if verdict != previous {
                    apply(verdict)
                    previous = verdict
                }
                checked.add(1, ordering: .relaxed)
            } while !stop.sleep(interval)
            done.signal()
        }
    }

    /// Stops watching.
    func shutdown() {
        stop.stop()
        done.wait()
    }

    /// What the listeners say about the tunnel.
    struct Verdict: Equatable {
        var state: TunnelState
        var failure: FailureClass?
        var reason: String?
        var forwards: [ForwardStatus]
        /// Every forward has its listener (the state may still be `down`: silent).
        var listening: Bool { state == .up || failure == .stalled }
    }

    /// Turns an `up` verdict `down` (`stalled`) when a forward's heartbeat has gone unanswered.
    static func judgeSilence(_ verdict: inout Verdict, heartbeats: [TunnelHeartbeat], at now: ContinuousClock.Instant) {
        let silent = heartbeats.indices.filter { heartbeats[$0].isSilent(at: now) }
        guard !silent.isEmpty else { return }
        for index in silent { verdict.forwards[index].note = "listening, but nothing comes back through it" }
        let listens = silent.map { heartbeats[$0].address.description }.joined(separator: ", ")
        verdict.state = .down
        verdict.failure = .stalled
        verdict.reason =
            "\(listens) still listens but nothing has come back through it for \(heartbeats[silent[0]].deadline) (3 × keepalive): the bridge host's session is dead and sshd has not noticed yet"
    }

    /// Judges the forwards against the listeners seen; `owner` is whose listeners count (nil:
    /// anyone's), `owners` names a socket's process by inode. Exposed outranks hijacked, which
    /// outranks down.
    static func judge(
        _ forwards: [TunnelSpec.Forward], owner: TunnelSpec.Owner?, listeners: [Listener], owners named: [UInt64: String]
    ) -> Verdict {
        var result = Verdict(state: .up, forwards: [])
        var missing: [String] = []
        var exposed: [String] = []
        var hijacked: [String] = []
        for forward in forwards {
            var status = ForwardStatus(listen: forward.listen.description, target: forward.target?.description)
            let onPort = listeners.filter { $0.port == forward.listen.port }
            let wide = onPort.filter { !$0.isLoopbackOnly }
            let foreign = onPort.filter { listener in owner.map { listener.uid != $0.uid } ?? false }
            let described = { (listener: Listener) in listener.description + (named[listener.inode].map { " by \($0)" } ?? "") }
            if !wide.isEmpty {
                exposed.append(contentsOf: wide.map(described))
                status.note = "listening on \(wide.map(\.description).joined(separator: ", "))"
            } else if !foreign.isEmpty {
                hijacked.append(contentsOf: foreign.map { described($0) + " (uid \($0.uid))" })
                status.note = "held by uid \(foreign.map { String($0.uid) }.joined(separator: ", ")), not \(owner?.name ?? "")"
            } else if onPort.isEmpty {
                missing.append(forward.listen.description)
            } else {
                status.active = true
                status.note = onPort.compactMap { named[$0.inode] }.first.map { "held by \($0)" }
            }
            result.forwards.append(status)
        }
        if !exposed.isEmpty {
            result.state = .exposed
            result.failure = .exposed
            result.reason =
                "the tunnel port listens on \(exposed.joined(separator: ", ")), reachable beyond loopback; set GatewayPorts no for the tunnel user in sshd (units/sshd-bridgekeeper.conf) and restart the tunnel"
        } else if !hijacked.isEmpty, let owner {
            result.state = .hijacked
            result.failure = .hijacked
            result.reason =
                "the tunnel port is held by someone other than \(owner.name) (uid \(owner.uid)): \(hijacked.joined(separator: ", ")); its bridges get no traffic until that process is gone and \(owner.name)'s sshd listens again"
        } else if !missing.isEmpty {
            result.state = .down
            result.reason = "nothing listens on \(missing.joined(separator: ", ")): the bridge host's tunnel is not connected"
        }
        return result
    }

    private func readListeners() -> [Listener] {
        Listener.readProcNet(procRoot: procRoot).listeners
    }

    private func apply(_ verdict: Verdict) {
        board.update(spec.name) { status in
            status.enter(verdict.state, failure: verdict.failure, reason: verdict.reason)
            status.forwards = verdict.forwards
        }
        switch verdict.state {
        case .up: logger.notice("inbound tunnel up")
        case .exposed, .hijacked: logger.critical("inbound tunnel \(verdict.state.rawValue): \(verdict.reason ?? "")")
        default: logger.warning("inbound tunnel \(verdict.state.rawValue): \(verdict.reason ?? "")")
        }
    }
}
