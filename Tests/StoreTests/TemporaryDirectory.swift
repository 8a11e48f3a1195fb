import Foundation

/// A fresh directory under the system's temporary directory, removed with its contents on deinit.
final class TemporaryDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory
            .appendingPathComponent("bk-store-tests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
    }

    /// The database file a `Store` opened here uses.
    var databasePath: String { path + "/bridgekeeper.sqlite" }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// A fixed origin for test times, in whole seconds so that they round-trip exactly.
let t0 = Date(timeIntervalSince1970: 1_750_000_000)

/// `t0` plus `seconds`.
func at(_ seconds: TimeInterval) -> Date { t0.addingTimeInterval(seconds) }
