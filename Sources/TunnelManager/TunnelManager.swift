import CLibSSH2
import Foundation
public import Logging

/// Holds the reverse and local tunnels this host is responsible for and watches inbound ones.
/// Each held tunnel runs on its own thread (libssh2 sessions are not thread-safe and must never
/// block Swift's cooperative pool); status is readable at any time and changes are streamed.
public final class TunnelManager: Sendable {
    private enum Runner: Sendable {
        case held(TunnelWorker)
        case watched(InboundWatcher)
    }

    private let runners: [Runner]
    private let board = StatusBoard()

    /// Prepares (but does not start) the tunnels. `procRoot` and `inboundInterval` are how inbound
    /// tunnels are watched.
    public init(
        tunnels: [TunnelSpec], logger: Logger, procRoot: String = "/proc", inboundInterval: Duration = .seconds(1)
    ) {
        _ = LibSSH2.initialized
        var runners: [Runner] = []
        for spec in tunnels {
            board.add(spec.initialStatus(now: .init()))
            switch spec.mode {
            case .reverse, .local:
                runners.append(.held(TunnelWorker(spec: spec, board: board, logger: logger)))
            case .inbound:
                runners.append(.watched(InboundWatcher(
                    spec: spec, board: board, logger: logger, procRoot: procRoot, interval: inboundInterval)))
            }
        }
        self.runners = runners
    }

    /// Starts every tunnel.
    public func start() {
        for runner in runners {
            switch runner {
            case .held(let worker): worker.start()
            case .watched(let watcher): watcher.start()
            }
        }
    }

    /// Stops every tunnel (closing sessions and listeners) and ends the change streams. Blocks
    /// until the threads have finished.
    public func shutdown() {
        for runner in runners {
            switch runner {
            case .held(let worker): worker.shutdown()
            case .watched(let watcher): watcher.shutdown()
            }
        }
        board.finish()
    }

    /// Every tunnel's status, in configuration order.
    public var statuses: [TunnelStatus] { board.snapshot }

    /// State changes as they happen, starting with every tunnel's current status.
    public func changes() -> AsyncStream<TunnelStatus> { board.changes() }
}
