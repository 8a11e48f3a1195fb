public import Foundation
import GRDB

/// One probe of one bridge: the verdict, the bridge's own words and the phase timings.
public struct ProbeRecord: Sendable, Equatable {
    /// The row id; nil until stored.
    public var id: Int64?
    /// The bridge's config name.
    public var bridge: String
    /// When the probe ran.
    public var time: Date
    /// `live`, `auth_required`, `degraded`, `down` or `tunnel_down`.
    public var verdict: String
    /// The HTTP status, when the bridge answered.
    public var httpStatus: Int?
    /// Why the verdict is what it is, for people.
    public var reason: String?
    /// The bridge's own message, where it gave one.
    public var message: String?
    /// Milliseconds until the TCP connection was up.
    public var connectMs: Double?
    /// Milliseconds until the TLS handshake was done.
    public var tlsMs: Double?
    /// Milliseconds until the first response byte.
    public var firstByteMs: Double?
    /// Milliseconds for the whole exchange.
    public var totalMs: Double?

    /// A probe result; `id` stays nil until the store assigns one.
    public init(
        id: Int64? = nil, bridge: String, time: Date, verdict: String, httpStatus: Int? = nil,
        reason: String? = nil, message: String? = nil, connectMs: Double? = nil, tlsMs: Double? = nil,
        firstByteMs: Double? = nil, totalMs: Double? = nil
    ) {
        self.id = id
        self.bridge = bridge
        self.time = time
        self.verdict = verdict
        self.httpStatus = httpStatus
        self.reason = reason
        self.message = message
        self.connectMs = connectMs
        self.tlsMs = tlsMs
        self.firstByteMs = firstByteMs
        self.totalMs = totalMs
    }
}

extension ProbeRecord {
    init(row: Row) throws {
        self.init(
            id: try row.decode(forColumn: "id"),
            bridge: try row.decode(forColumn: "bridge"),
            time: try row.decode(forColumn: "time"),
            verdict: try row.decode(forColumn: "verdict"),
            httpStatus: try row.decode(forColumn: "http_status"),
            reason: try row.decode(forColumn: "reason"),
            message: try row.decode(forColumn: "message"),
            connectMs: try row.decode(forColumn: "connect_ms"),
            tlsMs: try row.decode(forColumn: "tls_ms"),
            firstByteMs: try row.decode(forColumn: "first_byte_ms"),
            totalMs: try row.decode(forColumn: "total_ms")
        )
    }

    /// Inserts the row (ignoring `id`) and returns the new id.
    func insert(_ db: Database) throws -> Int64 {
        try db.execute(
            sql: """
                INSERT INTO probes (bridge, time, verdict, http_status, reason, message,
                                    connect_ms, tls_ms, first_byte_ms, total_ms)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [bridge, time, verdict, httpStatus, reason, message, connectMs, tlsMs, firstByteMs, totalMs])
        return db.lastInsertedRowID
    }
}
