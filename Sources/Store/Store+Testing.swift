import GRDB

extension Store {
    /// Opens the database in `directory` migrated only up to `lastMigration` (e.g. `"v1"`), as an
    /// older build would have left it; for tests of the upgrade path.
    @_spi(Testing) public convenience init(
        directory: String, migratingOnlyUpTo lastMigration: String
    ) throws(StoreError) {
        try self.init(directory: directory, migratingUpTo: lastMigration)
    }

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
