import Foundation
public import Logging
import Platform
public import Store

/// Writes ledger rows to the store in batches on a thread of its own: a request never waits for
/// the database. Rows are flushed every 250 ms or at 100 rows; ``close()`` writes what is left, so
/// no row of a completed request is lost on a clean shutdown.
public final class LedgerWriter: RequestLedger, @unchecked Sendable {
    // @unchecked: `pending`, `closed` and `finished` are guarded by `condition`.
    private let store: Store
    private let logger: Logger
    private let condition = NSCondition()
    private var pending: [RequestRecord] = []
    private var closed = false
    private var finished = false

    /// A writer into `store`; its thread starts at once.
    public init(store: Store, logger: Logger) {
        self.store = store
        self.logger = logger
        DedicatedThread.start("bk-ledger") { [self] in run() }
    }

    public func record(_ entry: RequestRecord) {
        condition.lock()
        pending.append(entry)
        if pending.count >= 100 { condition.broadcast() }
        condition.unlock()
    }

    /// Writes every row recorded so far and stops the thread. Blocks; call it off the cooperative pool.
    public func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        while !finished { condition.wait() }
        condition.unlock()
    }

    private func run() {
        condition.lock()
        while true {
            if pending.count < 100 && !closed { _ = condition.wait(until: Date().addingTimeInterval(0.25)) }
            let batch = pending
            pending = []
            let last = closed
            condition.unlock()
            if !batch.isEmpty { write(batch) }
            condition.lock()
            if last && pending.isEmpty { break }
        }
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    private func write(_ batch: [RequestRecord]) {
        do {
            try store.record(requests: batch)
        } catch {
            logger.error("cannot write \(batch.count) ledger row(s): \(error)")
        }
    }
}
