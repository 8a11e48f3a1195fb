public import Foundation
import GRDB

/// A change of state of a bridge or a tunnel.
public struct TransitionRecord: Sendable, Equatable {
    /// The row id; nil until stored.
    public var id: Int64?
    /// When the state changed.
    public var time: Date
    /// `bridge` or `tunnel`.
    public var kind: String
    /// The bridge's or tunnel's config name.
    public var subject: String
    /// The state it left.
    public var fromState: String
    /// The state it entered.
    public var toState: String
    /// Why, for people.
    public var reason: String?
    /// The bridge's own message, where it gave one.
    public var message: String?

    /// A transition; `id` stays nil until the store assigns one.
    public init(
        id: Int64? = nil, time: Date, kind: String, subject: String, fromState: String, toState: String,
        reason: String? = nil, message: String? = nil
    ) {
        self.id = id
        self.time = time
        self.kind = kind
        self.subject = subject
        self.fromState = fromState
        self.toState = toState
        self.reason = reason
        self.message = message
    }
}

extension TransitionRecord {
    init(row: Row) throws {
        self.init(
            id: try row.decode(forColumn: "id"),
            time: try row.decode(forColumn: "time"),
            kind: try row.decode(forColumn: "kind"),
            subject: try row.decode(forColumn: "subject"),
            fromState: try row.decode(forColumn: "from_state"),
            toState: try row.decode(forColumn: "to_state"),
            reason: try row.decode(forColumn: "reason"),
            message: try row.decode(forColumn: "message")
        )
    }

    /// Inserts the row (ignoring `id`) and returns the new id.
    func insert(_ db: Database) throws -> Int64 {
        try db.execute(
            sql: """
                INSERT INTO transitions (time, kind, subject, from_state, to_state, reason, message)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [time, kind, subject, fromState, toState, reason, message])
        return db.lastInsertedRowID
    }
}
