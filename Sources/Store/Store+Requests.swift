public import Foundation
import GRDB

extension Store {
    /// Appends the gateway's requests in one transaction, all or nothing; their `id`s are ignored.
    ///
    /// The ledger never holds secrets: a record whose `caller` or `clientApp` looks like a
    /// credential (it starts with `sk-` or `Bearer `, in any case, or is longer than 200
    /// characters) is refused with `.invalidRecord`, and then nothing of the call is written. The
    /// error says which record and field, never the value.
    public func record(requests: [RequestRecord]) throws(StoreError) {
        for (index, request) in requests.enumerated() {
            if let refusal = request.refusal {
                throw StoreError(
                    .invalidRecord, path: path,
                    "cannot record requests: request \(index + 1) of \(requests.count) was refused, \(refusal); "
                        + "callers and client apps are names, never keys or tokens; nothing was written")
            }
        }
        if requests.isEmpty { return }
        try write("cannot record requests") { db in
            for request in requests {
                _ = try request.insert(db)
            }
        }
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
