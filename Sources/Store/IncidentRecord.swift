public import Foundation
import GRDB

/// Something on-call is told about, from the moment it opens until it is resolved. At most one
/// incident per `key` is open at a time; the database enforces it.
public struct IncidentRecord: Sendable, Equatable, Codable {
    /// The row id; nil for an incident not stored yet.
    public var id: Int64?
    /// What the incident is about, e.g. `tunnel:macstudio` or `bridge:m365`.
    public var key: String
    /// `bridge` or `tunnel`.
    public var kind: String
    /// The bridge's or tunnel's config name.
    public var subject: String
    /// The subject's state that the incident reports (e.g. `down`, `auth_required`, `exposed`).
    public var state: String
    /// Why, for people.
    public var reason: String?
    /// The bridge's own message, where it gave one.
    public var message: String?
    /// The bridges affected (for a tunnel: every bridge behind it).
    public var bridges: [String]
    /// When the incident opened.
    public var openedAt: Date
    /// When on-call was last told about it.
    public var lastNotifiedAt: Date?
    /// How many reminders were sent after the first notice.
    public var remindersSent: Int
    /// Whether the subject is flapping (notices are held back).
    public var flapping: Bool
    /// When it was resolved; nil while open.
    public var resolvedAt: Date?

    /// An incident; `id` nil means "insert" in a `StoreBatch`.
    public init(
        id: Int64? = nil, key: String, kind: String, subject: String, state: String, reason: String? = nil,
        message: String? = nil, bridges: [String] = [], openedAt: Date, lastNotifiedAt: Date? = nil,
        remindersSent: Int = 0, flapping: Bool = false, resolvedAt: Date? = nil
    ) {
        self.id = id
        self.key = key
        self.kind = kind
        self.subject = subject
        self.state = state
        self.reason = reason
        self.message = message
        self.bridges = bridges
        self.openedAt = openedAt
        self.lastNotifiedAt = lastNotifiedAt
        self.remindersSent = remindersSent
        self.flapping = flapping
        self.resolvedAt = resolvedAt
    }
}

extension IncidentRecord {
    init(row: Row) throws {
        self.init(
            id: try row.decode(forColumn: "id"),
            key: try row.decode(forColumn: "key"),
            kind: try row.decode(forColumn: "kind"),
            subject: try row.decode(forColumn: "subject"),
            state: try row.decode(forColumn: "state"),
            reason: try row.decode(forColumn: "reason"),
            message: try row.decode(forColumn: "message"),
            bridges: try JSONColumn.decode([String].self, try row.decode(forColumn: "bridges")),
            openedAt: try row.decode(forColumn: "opened_at"),
            lastNotifiedAt: try row.decode(forColumn: "last_notified_at"),
            remindersSent: try row.decode(forColumn: "reminders_sent"),
            flapping: try row.decode(forColumn: "flapping"),
            resolvedAt: try row.decode(forColumn: "resolved_at")
        )
    }

    private func arguments() throws -> StatementArguments {
        [
            key, kind, subject, state, reason, message, try JSONColumn.encode(bridges), openedAt, lastNotifiedAt,
            remindersSent, flapping, resolvedAt,
        ]
    }

    /// Inserts the row (ignoring `id`) and returns the new id.
    func insert(_ db: Database) throws -> Int64 {
        try db.execute(
            sql: """
                INSERT INTO incidents (key, kind, subject, state, reason, message, bridges, opened_at,
                                       last_notified_at, reminders_sent, flapping, resolved_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: try arguments())
        return db.lastInsertedRowID
    }

    /// Overwrites the row `id` with these values; false when there is no such row.
    func update(_ db: Database, id: Int64) throws -> Bool {
        try db.execute(
            sql: """
                UPDATE incidents SET key = ?, kind = ?, subject = ?, state = ?, reason = ?, message = ?,
                       bridges = ?, opened_at = ?, last_notified_at = ?, reminders_sent = ?, flapping = ?,
                       resolved_at = ?
                WHERE id = ?
                """,
            arguments: try arguments() + [id])
        return db.changesCount > 0
    }
}
