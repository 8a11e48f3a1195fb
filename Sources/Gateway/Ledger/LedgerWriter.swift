import Foundation
public import Logging
import Platform
public import Store

/// Writes ledger rows to the store in batches on a thread of its own: a request never waits for
/// the database. Rows are flushed every 250 ms or at 100 rows; ``close()`` writes what is left, so
/// no row of a completed request is lost on a clean shutdown.
public final class LedgerWriter: RequestLedger, Sendable {
    private struct State {
        var pending: [RequestRecord] = []
        var closed = false
        var finished = false
    }

    /// A batch goes out at this many rows, or when the oldest has waited `flushInterval`.
    static let batchSize = 100
    static let flushInterval: Duration = .milliseconds(250)

    private let store: Store
    private let logger: Logger
    private let state = GuardedState(State())

    /// A writer into `store`; its thread starts at once.
    public init(store: Store, logger: Logger) {
        self.store = store
        self.logger = logger
        DedicatedThread.start("bk-ledger") { [self] in run() }
    }

    public func record(_ entry: RequestRecord) {
        let (full, late) = state.withLock { state in
            if state.closed { return (false, true) }
            state.pending.append(entry)
            return (state.pending.count >= Self.batchSize, false)
        }
        if late { logger.error("a ledger row came after the ledger was closed and is not written") }
        if full { state.wakeWaiters() }
    }

    /// Writes every row recorded so far and stops the thread. Blocks; call it off the cooperative pool.
    public func close() {
        state.change { $0.closed = true }
        state.wait { $0.finished ? .done(()) : .wait(until: nil) }
    }

    private func run() {
        while true {
            let deadline = ContinuousClock.now + Self.flushInterval
            let (batch, last) = state.wait { (state) -> GuardedState<State>.Decision<([RequestRecord], Bool)> in
                if state.pending.count < Self.batchSize && !state.closed && ContinuousClock.now < deadline { return .wait(until: deadline) }
                defer { state.pending = [] }
                return .done((state.pending, state.closed))
            }
            if !batch.isEmpty { write(batch) }
            // Once closed, record() takes no more rows: this batch was the last.
            if last { break }
        }
        state.change { $0.finished = true }
    }

    private func write(_ batch: [RequestRecord]) {
        do {
            try store.record(requests: batch)
        } catch {
            logger.error("cannot write \(batch.count) ledger row(s): \(error)")
        }
    }
}
