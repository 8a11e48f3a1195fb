import CLibSSH2
import Foundation
public import Logging
import Synchronization

/// Holds the reverse and local tunnels this host is responsible for and watches inbound ones.
/// Each held tunnel runs on its own thread (libssh2 sessions are not thread-safe and must never
/// block Swift's cooperative pool); status is readable at any time and changes are streamed.
/// ``apply(_:)`` changes the set of tunnels while running, leaving unchanged ones alone.
public final class TunnelManager: Sendable {
    private enum Runner: Sendable {
        case held(TunnelWorker)
        case watched(InboundWatcher)

        func start() {
            switch self {
            case .held(let worker): worker.start()
            case .watched(let watcher): watcher.start()
            }
        }

        /// Stops it and waits until its thread has finished.
        func shutdown() {
            switch self {
            case .held(let worker): worker.shutdown()
            case .watched(let watcher): watcher.shutdown()
            }
        }
    }

    private enum Phase {
        case prepared, started, stopped
    }

    private struct State {
        var specs: [TunnelSpec] = []
        var runners: [String: Runner] = [:]
        var phase = Phase.prepared

        /// Removes a tunnel's runner; returns it if it was started and so must be shut down.
        mutating func remove(_ name: String) -> Runner? {
            guard let runner = runners.removeValue(forKey: name), phase == .started else { return nil }
            return runner
        }
    }

    /// What ``apply(_:)`` did, by tunnel name.
    public struct Changes: Sendable, Equatable {
        /// Unchanged: their workers and sessions were left alone.
        public var kept: [String] = []
        /// New: started.
        public var added: [String] = []
        /// Gone: stopped.
        public var removed: [String] = []
        /// Changed: stopped and started again with the new spec.
        public var restarted: [String] = []

        /// No changes.
        public init() {}
    }

    /// The tunnels and their runners, never locked while a runner's thread is waited for.
    private let state = Mutex(State())
    /// Makes apply and shutdown take turns; held while they wait for runners' threads.
    private let turns = Mutex(())
    private let board = StatusBoard()
    private let logger: Logger
    private let procRoot: String
    private let inboundInterval: Duration

    /// Prepares (but does not start) the tunnels. `procRoot` and `inboundInterval` are how inbound
    /// tunnels are watched.
    public init(
        tunnels: [TunnelSpec], logger: Logger, procRoot: String = "/proc", inboundInterval: Duration = .seconds(1)
    ) {
        _ = LibSSH2.initialized
        self.logger = logger
        self.procRoot = procRoot
        self.inboundInterval = inboundInterval
        state.withLock { state in
            for spec in tunnels where state.runners[spec.name] == nil {
                state.specs.append(spec)
                state.runners[spec.name] = makeRunner(spec)
            }
        }
    }

    /// Starts every tunnel.
    public func start() {
        state.withLock { state in
            guard state.phase == .prepared else { return }
            state.phase = .started
            for spec in state.specs { state.runners[spec.name]?.start() }
        }
    }

    /// Makes `specs` the tunnels held: an unchanged spec keeps its worker, session and status; a
    /// removed one is stopped; a new one started; a changed one stopped and started anew. Blocks
    /// while stopping (call it off the cooperative pool). After ``shutdown()`` it does nothing.
    @discardableResult
    public func apply(_ specs: [TunnelSpec]) -> Changes {
        turns.withLock { _ in
            var changes = Changes()
            var stopping: [Runner] = []
            let wanted = Dictionary(specs.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
            let proceed = state.withLock { state in
                guard state.phase != .stopped else { return false }
                for old in state.specs {
                    guard let new = wanted[old.name] else {
                        stopping += state.remove(old.name).map { [$0] } ?? []
                        changes.removed.append(old.name)
                        continue
                    }
                    if new == old {
                        changes.kept.append(old.name)
                    } else {
                        stopping += state.remove(old.name).map { [$0] } ?? []
                        changes.restarted.append(old.name)
                    }
                }
                return true
            }
            guard proceed else { return changes }
            // A restarted tunnel's old runner is gone (its port free, its last status written)
            // before the new one starts.
            for runner in stopping { runner.shutdown() }
            state.withLock { state in
                let known = Set(state.specs.map(\.name))
                state.specs = []
                for spec in specs where !state.specs.contains(where: { $0.name == spec.name }) {
                    state.specs.append(spec)
                    guard state.runners[spec.name] == nil else { continue }
                    if !known.contains(spec.name) { changes.added.append(spec.name) }
                    let runner = makeRunner(spec)
                    state.runners[spec.name] = runner
                    if state.phase == .started { runner.start() }
                }
                board.keep(state.specs.map(\.name))
            }
            return changes
        }
    }

    /// Stops every tunnel (closing sessions and listeners) and ends the change streams. Blocks
    /// until the threads have finished. Later calls do nothing.
    public func shutdown() {
        turns.withLock { _ in
            let stopping = state.withLock { state in
                defer { state.phase = .stopped }
                return state.specs.compactMap { state.remove($0.name) }
            }
            for runner in stopping { runner.shutdown() }
        }
        board.finish()
    }

    /// Every tunnel's status, in configuration order.
    public var statuses: [TunnelStatus] { board.snapshot }

    /// State changes as they happen, starting with every tunnel's current status.
    public func changes() -> AsyncStream<TunnelStatus> { board.changes() }

    /// How many times the inbound tunnel `name`'s listeners have been judged; nil for another kind.
    func inboundChecks(of name: String) -> Int? {
        state.withLock { state in
            guard case .watched(let watcher) = state.runners[name] else { return nil }
            return watcher.checks
        }
    }

    /// A runner for `spec`, its status on the board reset to the initial one.
    private func makeRunner(_ spec: TunnelSpec) -> Runner {
        board.add(spec.initialStatus(now: .init()))
        switch spec.mode {
        case .reverse, .local:
            return .held(TunnelWorker(spec: spec, board: board, logger: logger))
        case .inbound:
            return .watched(InboundWatcher(spec: spec, board: board, logger: logger, procRoot: procRoot, interval: inboundInterval))
        }
    }
}
