public import Foundation
import GRDB

extension Store {
    /// The UTC day of a request, `YYYY-MM-DD`: GRDB stores a `Date` as UTC text
    /// `YYYY-MM-DD HH:MM:SS.SSS`, so the day is its first ten characters.
    static let requestDay = "substr(time, 1, 10)"

    /// The requests that arrived in `from..<to`, summed up per UTC day: one entry per day that has
    /// requests, oldest first. Everything is counted in SQL; see `DailyRequestMetrics` for each figure.
    public func requestMetrics(from: Date, to: Date) throws(StoreError) -> [DailyRequestMetrics] {
        try read("cannot read request metrics") { db in
            try Row.fetchAll(
                db,
                sql: """
                    WITH ranged AS (
                        SELECT \(Self.requestDay) AS day, status, error_code, tokens_in, tokens_out, cost_avoided,
                               compression_operations, compression_tokens_saved, model_served
                        FROM requests WHERE time >= ? AND time < ?
                    ),
                    days AS (
                        SELECT day,
                               COUNT(*) AS total_requests,
                               SUM(COALESCE(tokens_in, 0) + COALESCE(tokens_out, 0)) AS total_tokens,
                               CAST(SUM(status >= 200 AND status < 400 AND error_code IS NULL) AS REAL) / COUNT(*) AS success_rate,
                               TOTAL(cost_avoided) AS cost_avoided,
                               SUM(compression_operations) AS compression_operations,
                               SUM(compression_tokens_saved) AS compression_tokens_saved
                        FROM ranged GROUP BY day
                    ),
                    models AS (
                        SELECT day, model_served,
                               ROW_NUMBER() OVER (PARTITION BY day ORDER BY COUNT(*) DESC, model_served) AS rank
                        FROM ranged WHERE model_served IS NOT NULL
                        GROUP BY day, model_served
                    )
                    SELECT days.*, models.model_served AS top_model
                    FROM days LEFT JOIN models ON models.day = days.day AND models.rank = 1
                    ORDER BY days.day
                    """,
                arguments: [from, to]
            ).map { row in
                DailyRequestMetrics(
                    day: try row.decode(forColumn: "day"),
                    totalRequests: try row.decode(forColumn: "total_requests"),
                    totalTokens: try row.decode(forColumn: "total_tokens"),
                    successRate: try row.decode(forColumn: "success_rate"),
                    estimatedApiCostAvoided: try row.decode(forColumn: "cost_avoided"),
                    compressionOperations: try row.decode(forColumn: "compression_operations"),
                    compressionTokensSaved: try row.decode(forColumn: "compression_tokens_saved"),
                    topModel: try row.decode(forColumn: "top_model"))
            }
        }
    }

    /// Every client app in the ledger, the most recently seen first (ties by name).
    public func clients() throws(StoreError) -> [ClientSummary] {
        try read("cannot read clients") { db in
            let callers = try Self.distinct("caller", byClientApp: db)
            let keys = try Self.distinct("\"key\"", byClientApp: db)
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT client_app, MAX(time) AS last_seen, COUNT(*) AS requests
                    FROM requests GROUP BY client_app ORDER BY last_seen DESC, client_app
                    """
            ).map { row in
                let clientApp: String = try row.decode(forColumn: "client_app")
                return ClientSummary(
                    clientApp: clientApp, lastSeen: try row.decode(forColumn: "last_seen"),
                    requests: try row.decode(forColumn: "requests"), keys: keys[clientApp] ?? [], callers: callers[clientApp] ?? [])
            }
        }
    }

    /// The distinct non-null values of `column` for each client app, sorted.
    private static func distinct(_ column: String, byClientApp db: Database) throws -> [String: [String]] {
        var values: [String: [String]] = [:]
        let pairs = try Row.fetchAll(
            db, sql: "SELECT DISTINCT client_app, \(column) AS value FROM requests WHERE \(column) IS NOT NULL ORDER BY client_app, value")
        for pair in pairs {
            values[try pair.decode(forColumn: "client_app"), default: []].append(try pair.decode(forColumn: "value"))
        }
        return values
    }
}
