public import Foundation
import GRDB

extension Store {
    /// Up to `limit` undelivered messages whose next attempt is due at `now`, oldest (by
    /// `createdAt`) first, so that each webhook hears about events in the order they happened.
    public func dueMessages(now: Date, limit: Int) throws(StoreError) -> [OutboxMessage] {
        try read("cannot read the outbox") { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM outbox WHERE delivered_at IS NULL AND next_attempt_at <= ?
                    ORDER BY created_at, id LIMIT ?
                    """,
                arguments: [now, Self.clamp(limit)]
            ).map(OutboxMessage.init(row:))
        }
    }

    /// Marks a message delivered at `at`; `.notFound` when there is no such message.
    public func markDelivered(id: Int64, at: Date) throws(StoreError) {
        try updateMessage(id: id, sql: "UPDATE outbox SET delivered_at = ? WHERE id = ?", arguments: [at, id])
    }

    /// Records a failed attempt: the attempt count so far, when to try next, and why it failed
    /// (which must not contain the webhook's URL). `.notFound` when there is no such message.
    public func reschedule(id: Int64, attempts: Int, nextAttemptAt: Date, lastError: String) throws(StoreError) {
        try updateMessage(
            id: id, sql: "UPDATE outbox SET attempts = ?, next_attempt_at = ?, last_error = ? WHERE id = ?",
            arguments: [attempts, nextAttemptAt, lastError, id])
    }

    /// How many messages are not delivered yet, due or not.
    public func pendingCount() throws(StoreError) -> Int {
        try read("cannot read the outbox") { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL") ?? 0
        }
    }

    private func updateMessage(id: Int64, sql: String, arguments: StatementArguments) throws(StoreError) {
        let path = path
        try write("cannot update an outbox message") { db in
            try db.execute(sql: sql, arguments: arguments)
            if db.changesCount == 0 {
                throw StoreError(.notFound, path: path, "cannot update an outbox message: message \(id) does not exist")
            }
        }
    }
}
