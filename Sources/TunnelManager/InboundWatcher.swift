import Foundation
import Logging
import Policy

/// Watches an inbound tunnel — a reverse tunnel a peer holds into this host — through the
/// listeners in `/proc/net/tcp{,6}`: `up` when each forward's port has a loopback-only listener,
/// `down` when one has none, `exposed` at once when one listens on anything but loopback.
final class InboundWatcher: Sendable {
    let spec: TunnelSpec
    private let board: StatusBoard
    private let logger: Logger
    private let procRoot: String
    private let interval: Duration
    private let stop = StopSignal()
    private let done = DispatchSemaphore(value: 0)

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
        let thread = Thread { [self] in
            var previous: Verdict?
            var owners: (inodes: Set<UInt64>, names: [UInt64: String]) = ([], [:])
            let ports = Set(spec.forwards.map(\.listen.port))
            repeat {
                let listeners = readListeners().filter { ports.contains($0.port) }
                let inodes = Set(listeners.map(\.inode))
                if inodes != owners.inodes {
                    // Naming owners walks every process's descriptors: only when the sockets change.
                    owners = (inodes, inodes.isEmpty ? [:] : SocketOwners.scan(procRoot: procRoot, inodes: inodes).byInode)
                }
                let verdict = Self.judge(spec.forwards, listeners: listeners, owners: owners.names)
                if verdict != previous {
                    apply(verdict)
                    previous = verdict
                }
            } while !stop.sleep(interval)
            done.signal()
        }
        thread.name = "bridgekeeper-inbound-\(spec.name)"
        thread.start()
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
    }

    /// Judges the forwards against the listeners seen; `owners` names a socket's process by inode.
    static func judge(
        _ forwards: [TunnelSpec.Forward], listeners: [Listener], owners named: [UInt64: String]
    ) -> Verdict {
        var result = Verdict(state: .up, forwards: [])
        var missing: [String] = []
        var exposed: [String] = []
        for forward in forwards {
            var status = ForwardStatus(listen: forward.listen.description, target: forward.target?.description)
            let onPort = listeners.filter { $0.port == forward.listen.port }
            let wide = onPort.filter { !$0.isLoopbackOnly }
            if !wide.isEmpty {
                exposed.append(contentsOf: wide.map { listener in listener.description + (named[listener.inode].map { " by \($0)" } ?? "") })
                status.note = "listening on \(wide.map(\.description).joined(separator: ", "))"
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
        case .exposed: logger.critical("inbound tunnel exposed: \(verdict.reason ?? "")")
        default: logger.warning("inbound tunnel \(verdict.state.rawValue): \(verdict.reason ?? "")")
        }
    }
}
