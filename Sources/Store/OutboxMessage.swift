public import Foundation
import GRDB

/// A webhook notification waiting to be delivered, or delivered. Durable: it survives restarts
/// until it is delivered and pruned.
public struct OutboxMessage: Sendable, Equatable {
    /// The row id; nil until stored.
    public var id: Int64?
    /// The webhook's config name. Never its URL: URLs can hold tokens.
    public var webhook: String
    /// The incident it is about, if any.
    public var incidentId: Int64?
    /// The incident's key; in a `StoreBatch`, links the message to an incident that has no id yet.
    public var incidentKey: String?
    /// `opened`, `reminder`, `recovered` or `flapping`.
    public var event: String
    /// The request body, ready to send.
    public var body: String
    /// The body's media type.
    public var contentType: String
    /// Extra request headers for the body (e.g. ntfy's `Title`). Never credentials: the sender
    /// adds those from config at delivery time, and the store refuses them.
    public var headers: [String: String]
    /// When the message was queued.
    public var createdAt: Date
    /// When the next delivery attempt is due.
    public var nextAttemptAt: Date
    /// Delivery attempts made so far.
    public var attempts: Int
    /// Why the last attempt failed, for people; must not contain the webhook's URL.
    public var lastError: String?
    /// When it was delivered; nil while pending.
    public var deliveredAt: Date?

    /// A message; `id` stays nil until the store assigns one.
    public init(
        id: Int64? = nil, webhook: String, incidentId: Int64? = nil, incidentKey: String? = nil, event: String,
        body: String, contentType: String, headers: [String: String] = [:], createdAt: Date,
        nextAttemptAt: Date, attempts: Int = 0, lastError: String? = nil, deliveredAt: Date? = nil
    ) {
        self.id = id
        self.webhook = webhook
        self.incidentId = incidentId
        self.incidentKey = incidentKey
        self.event = event
        self.body = body
        self.contentType = contentType
        self.headers = headers
        self.createdAt = createdAt
        self.nextAttemptAt = nextAttemptAt
        self.attempts = attempts
        self.lastError = lastError
        self.deliveredAt = deliveredAt
    }
}

extension OutboxMessage {
    /// Header names that carry credentials; the outbox refuses them (secrets never reach the database).
    static let credentialHeaders: Set<String> = [
        "authorization", "proxy-authorization", "cookie", "x-api-key", "api-key", "x-auth-token",
    ]

    /// Why this message must not be stored, or nil when it may.
    var refusal: String? {
        if webhook.contains("://") {
            return "an outbox message names its webhook by URL; store the webhook's config name (URLs can hold tokens)"
        }
        if let name = headers.keys.first(where: { Self.credentialHeaders.contains($0.lowercased()) }) {
            return "an outbox message carries a credential header (\(name)); "
                + "credentials are added at delivery time, never stored"
        }
        return nil
    }

    init(row: Row) throws {
        self.init(
            id: try row.decode(forColumn: "id"),
            webhook: try row.decode(forColumn: "webhook"),
            incidentId: try row.decode(forColumn: "incident_id"),
            incidentKey: try row.decode(forColumn: "incident_key"),
            event: try row.decode(forColumn: "event"),
            body: try row.decode(forColumn: "body"),
            contentType: try row.decode(forColumn: "content_type"),
            headers: try JSONColumn.decode([String: String].self, try row.decode(forColumn: "headers")),
            createdAt: try row.decode(forColumn: "created_at"),
            nextAttemptAt: try row.decode(forColumn: "next_attempt_at"),
            attempts: try row.decode(forColumn: "attempts"),
            lastError: try row.decode(forColumn: "last_error"),
            deliveredAt: try row.decode(forColumn: "delivered_at")
        )
    }

    /// Inserts the row (ignoring `id`) and returns the new id.
    func insert(_ db: Database) throws -> Int64 {
        try db.execute(
            sql: """
                INSERT INTO outbox (webhook, incident_id, incident_key, event, body, content_type, headers,
                                    created_at, next_attempt_at, attempts, last_error, delivered_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                webhook, incidentId, incidentKey, event, body, contentType, try JSONColumn.encode(headers),
                createdAt, nextAttemptAt, attempts, lastError, deliveredAt,
            ])
        return db.lastInsertedRowID
    }
}
