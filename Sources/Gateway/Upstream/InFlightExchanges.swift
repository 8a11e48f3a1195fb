import Synchronization

/// The exchanges with bridges in flight, by bridge, so that a bridge found lost (its tunnel dead,
/// the bridge down) fails them at once instead of leaving them to hang until a timeout: a request
/// still waiting for its answer moves on to the model's next route, a stream being relayed ends
/// with an error event naming the reason.
final class InFlightExchanges: Sendable {
    /// Why an exchange was abandoned: the bridge's state (`tunnel_down`, `bridge_down`) and reason.
    struct Lost: Error, Sendable {
        let code: String
        let reason: String
    }

    private let state = Mutex<(next: UInt64, watches: [String: [UInt64: @Sendable (Lost) -> Void]])>((0, [:]))

    /// Runs `operation` (in a task of its own) as an exchange with `bridge`; throws ``Lost`` when
    /// the bridge is lost meanwhile, and passes the caller's cancellation on.
    func run<T: Sendable>(on bridge: String, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        let lost = Mutex<Lost?>(nil)
        let task = Task { try await operation() }
        let id = state.withLock { state in
            state.next += 1
            state.watches[bridge, default: [:]][state.next] = { loss in
                lost.withLock { $0 = loss }
                task.cancel()
            }
            return state.next
        }
        defer { state.withLock { _ = $0.watches[bridge]?.removeValue(forKey: id) } }
        let result = await withTaskCancellationHandler { await task.result } onCancel: { task.cancel() }
        if let loss = lost.withLock({ $0 }) { throw loss }
        return try result.get()
    }

    /// Fails every exchange in flight with `bridge`; returns how many there were.
    @discardableResult
    func abandon(_ bridge: String, code: String, reason: String) -> Int {
        let watches = state.withLock { state in state.watches.removeValue(forKey: bridge) ?? [:] }
        for watch in watches.values { watch(Lost(code: code, reason: reason)) }
        return watches.count
    }
}
