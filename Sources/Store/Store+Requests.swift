public import Foundation
import GRDB

extension Store {
    /// Appends the gateway's requests in one transaction; their `id`s are ignored. Returns how
    /// many names were dropped.
    ///
    /// The ledger never holds secrets: a `key`, `caller` or `clientApp` that is not
    /// ``RequestRecord/isName(_:)`` is dropped from its row (the client app becomes `unknown`) and
    /// the row is written, so one client's hostile header never costs another client's rows.
    @discardableResult
    public func record(requests: [RequestRecord]) throws(StoreError) -> Int {
        if requests.isEmpty { return 0 }
        let cleaned = requests.map(\.withNamesOnly)
        try write("cannot record requests") { db in
            for (request, _) in cleaned {
                _ = try request.insert(db)
            }
        }
        return cleaned.reduce(0) { $0 + $1.dropped }
    }

    /// The requests that match `filter`, newest first (by time, then the later write first),
    /// skipping `offset` of them and returning at most `limit`: a page of the request list.
    public func requests(
        matching filter: RequestFilter, limit: Int, offset: Int
    ) throws(StoreError) -> [RequestRecord] {
        let (condition, arguments) = filter.whereClause
        return try read("cannot read requests") { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM requests \(condition) ORDER BY time DESC, id DESC LIMIT ? OFFSET ?",
                arguments: arguments + [Self.clamp(limit), max(offset, 0)]
            ).map(RequestRecord.init(row:))
        }
    }

    /// How many requests match `filter`: the request list's total, for paging.
    public func requestCount(matching filter: RequestFilter) throws(StoreError) -> Int {
        let (condition, arguments) = filter.whereClause
        return try read("cannot count requests") { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM requests \(condition)", arguments: arguments) ?? 0
        }
    }

    /// Deletes the requests that arrived before `before` and returns how many went.
    public func pruneRequests(before: Date) throws(StoreError) -> Int {
        try write("cannot prune old requests") { db in
            try db.execute(sql: "DELETE FROM requests WHERE time < ?", arguments: [before])
            return db.changesCount
        }
    }
}
