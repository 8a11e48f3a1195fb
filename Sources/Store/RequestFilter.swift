public import Foundation
import GRDB

/// Which ledger rows a dashboard query wants; every field that is set must match, and a filter
/// with nothing set matches every row.
public struct RequestFilter: Sendable, Equatable {
    /// Only requests authenticated by the client key of this name.
    public var key: String?
    /// Only requests with this `X-Caller` label.
    public var caller: String?
    /// Only requests that asked for, or were served by, this model.
    public var model: String?
    /// Only requests served (or last tried) by this bridge.
    public var bridge: String?
    /// Only requests answered with this HTTP status.
    public var status: Int?
    /// Only requests that arrived at or after this time.
    public var since: Date?

    /// A filter; nil fields match anything.
    public init(
        key: String? = nil, caller: String? = nil, model: String? = nil, bridge: String? = nil, status: Int? = nil,
        since: Date? = nil
    ) {
        self.key = key
        self.caller = caller
        self.model = model
        self.bridge = bridge
        self.status = status
        self.since = since
    }
}

extension RequestFilter {
    /// The `WHERE` clause (empty, or starting with `WHERE`) and its arguments.
    var whereClause: (sql: String, arguments: StatementArguments) {
        var conditions: [String] = []
        var arguments = StatementArguments()
        if let key {
            conditions.append("\"key\" = ?")
            arguments += [key]
        }
        if let caller {
            conditions.append("caller = ?")
            arguments += [caller]
        }
        if let model {
            conditions.append("(model_requested = ? OR model_served = ?)")
            arguments += [model, model]
        }
        if let bridge {
            conditions.append("bridge = ?")
            arguments += [bridge]
        }
        if let status {
            conditions.append("status = ?")
            arguments += [status]
        }
        if let since {
            conditions.append("time >= ?")
            arguments += [since]
        }
        let sql = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        return (sql, arguments)
    }
}
