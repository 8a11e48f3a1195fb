public import Foundation
import GRDB

extension Store {
    /// Deletes, in one transaction: probe results older than `probesBefore`; transitions older
    /// than `transitionsBefore`, except the newest of each (kind, subject), which
    /// `lastTransitions()` needs to restore state; incidents resolved before `resolvedBefore`
    /// (open incidents are never pruned; their messages stay, unlinked); and messages delivered
    /// before `deliveredBefore` (undelivered ones are never pruned).
    public func prune(
        probesBefore: Date, transitionsBefore: Date, resolvedBefore: Date, deliveredBefore: Date
    ) throws(StoreError) -> PruneCounts {
        try write("cannot prune old rows") { db in
            var counts = PruneCounts()
            try db.execute(sql: "DELETE FROM probes WHERE time < ?", arguments: [probesBefore])
            counts.probes = db.changesCount
            try db.execute(
                sql: "DELETE FROM transitions WHERE time < ? AND id NOT IN (\(Self.newestTransitionIDs))",
                arguments: [transitionsBefore])
            counts.transitions = db.changesCount
            try db.execute(
                sql: "DELETE FROM incidents WHERE resolved_at IS NOT NULL AND resolved_at < ?",
                arguments: [resolvedBefore])
            counts.incidents = db.changesCount
            try db.execute(
                sql: "DELETE FROM outbox WHERE delivered_at IS NOT NULL AND delivered_at < ?",
                arguments: [deliveredBefore])
            counts.deliveredMessages = db.changesCount
            return counts
        }
    }
}
