import Foundation
import Synchronization

/// The current status of every tunnel, written by the tunnel threads and read by anyone; state
/// changes (not counter updates) are also sent to subscribers.
final class StatusBoard: Sendable {
    private struct State {
        var order: [String] = []
        var statuses: [String: TunnelStatus] = [:]
        var subscribers: [UUID: AsyncStream<TunnelStatus>.Continuation] = [:]
    }

    private let state = Mutex(State())

    /// Registers a tunnel's initial status.
    func add(_ status: TunnelStatus) {
        state.withLock {
            if $0.statuses[status.name] == nil { $0.order.append(status.name) }
            $0.statuses[status.name] = status
        }
    }

    /// Keeps only the tunnels named in `names`, in that order (after a reload); the statuses of the
    /// ones kept are untouched.
    func keep(_ names: [String]) {
        state.withLock { state in
            state.order = names.filter { state.statuses[$0] != nil }
            let kept = Set(state.order)
            state.statuses = state.statuses.filter { kept.contains($0.key) }
        }
    }

    /// Changes one tunnel's status; subscribers hear of it when more than counters changed.
    func update(_ name: String, _ change: (inout TunnelStatus) -> Void) {
        state.withLock { state in
            guard var status = state.statuses[name] else { return }
            let before = status
            change(&status)
            state.statuses[name] = status
            if status.differsInState(from: before) {
                for continuation in state.subscribers.values { continuation.yield(status) }
            }
        }
    }

    /// Every tunnel's status, in configuration order.
    var snapshot: [TunnelStatus] {
        state.withLock { state in state.order.compactMap { state.statuses[$0] } }
    }

    /// A stream of state changes, starting with the current status of every tunnel.
    func changes() -> AsyncStream<TunnelStatus> {
        let (stream, continuation) = AsyncStream<TunnelStatus>.makeStream(bufferingPolicy: .bufferingNewest(256))
        let id = UUID()
        state.withLock { state in
            for name in state.order { if let status = state.statuses[name] { continuation.yield(status) } }
            state.subscribers[id] = continuation
        }
        continuation.onTermination = { [weak self] _ in self?.state.withLock { _ = $0.subscribers.removeValue(forKey: id) } }
        return stream
    }

    /// Ends every subscriber's stream.
    func finish() {
        // Outside the lock: finishing runs a stream's onTermination, which takes the lock.
        let subscribers = state.withLock { state in
            defer { state.subscribers.removeAll() }
            return Array(state.subscribers.values)
        }
        for continuation in subscribers { continuation.finish() }
    }
}
