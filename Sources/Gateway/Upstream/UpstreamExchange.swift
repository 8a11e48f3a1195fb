import Synchronization

/// One admitted exchange with a bridge: it counts against the bridge's limit until released.
final class UpstreamExchange: Sendable {
    let bridge: String
    private let exchanges: InFlightExchanges

    init(bridge: String, exchanges: InFlightExchanges) {
        self.bridge = bridge
        self.exchanges = exchanges
    }

    deinit { exchanges.close(bridge) }

    /// Runs `operation` (in a task of its own) as part of this exchange; throws
    /// ``InFlightExchanges/Lost`` when the bridge is lost meanwhile, and passes the caller's
    /// cancellation on.
    func run<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        let lost = Mutex<InFlightExchanges.Lost?>(nil)
        // On the caller's event loop, where the caller runs (an unstructured task does not inherit that).
        let task = Task(executorPreference: EventLoopExecutor.current) { try await operation() }
        let id = exchanges.watch(bridge) { loss in
            lost.withLock { $0 = loss }
            task.cancel()
        }
        defer { exchanges.unwatch(bridge, id) }
        let result = await withTaskCancellationHandler { await task.result } onCancel: { task.cancel() }
        if let loss = lost.withLock({ $0 }) { throw loss }
        return try result.get()
    }
}
