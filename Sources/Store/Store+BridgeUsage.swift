public import Foundation
import GRDB

extension Store {
    /// What a bridge served from `since` on: its successful requests (``RequestRecord/succeeded``)
    /// and their tokens in and out. Quota budgets are counted from this.
    public func usage(bridge: String, since: Date) throws(StoreError) -> (requests: Int, tokens: Int) {
        try read("cannot read a bridge's usage") { db in
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT COUNT(*) AS requests, COALESCE(SUM(COALESCE(tokens_in, 0) + COALESCE(tokens_out, 0)), 0) AS tokens
                    FROM requests WHERE bridge = ? AND time >= ? AND status >= 200 AND status < 400 AND error_code IS NULL
                    """,
                arguments: [bridge, since])
            return (row?["requests"] ?? 0, row?["tokens"] ?? 0)
        }
    }
}
