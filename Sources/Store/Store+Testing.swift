import GRDB

extension Store {
    /// Runs raw SQL; for tests that need to set up what the API cannot (an unknown migration).
    @_spi(Testing) public func executeForTesting(_ sql: String) throws(StoreError) {
        try write("cannot run test SQL") { db in try db.execute(sql: sql) }
    }

    /// The first column of the first row of `sql`, as text, on the writer connection; for tests
    /// that look under the API (pragmas, schema).
    @_spi(Testing) public func textForTesting(_ sql: String) throws(StoreError) -> String? {
        try write("cannot run test SQL") { db in try String.fetchOne(db, sql: sql) }
    }

    /// The first column of every row of `sql`, as text.
    @_spi(Testing) public func columnForTesting(_ sql: String) throws(StoreError) -> [String] {
        try read("cannot run test SQL") { db in try String.fetchAll(db, sql: sql) }
    }
}
