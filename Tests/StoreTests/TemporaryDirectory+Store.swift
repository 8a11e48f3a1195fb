import TestSupport

extension TemporaryDirectory {
    /// The database file a `Store` opened here uses.
    var databasePath: String { file("bridgekeeper.sqlite") }
}
