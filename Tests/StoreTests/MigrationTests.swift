import Foundation
@_spi(Testing) import Store
import TestSupport
import Testing

/// Migration v2 (the request ledger) on top of a database that an earlier build left at v1.
@Suite struct MigrationTests {
    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory("store") }

    func migrations(_ store: Store) throws -> [String] {
        try store.columnForTesting("SELECT identifier FROM grdb_migrations ORDER BY rowid")
    }

    func tables(_ store: Store) throws -> [String] {
        try store.columnForTesting("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    }

    @Test func aVersion1DatabaseIsUpgradedInPlaceAndKeepsItsRows() throws {
        do {
            let v1 = try Store(directory: directory.path, migratingOnlyUpTo: "v1")
            #expect(try migrations(v1) == ["v1"])
            #expect(try !tables(v1).contains("requests"))
            try v1.record(ProbeRecord(bridge: "codex", time: at(0), verdict: "live"))
            _ = try v1.commit(
                StoreBatch(transitions: [
                    TransitionRecord(time: at(1), kind: "bridge", subject: "codex", fromState: "unknown", toState: "live")
                ]))
            // The ledger really is missing at v1.
            let error = #expect(throws: StoreError.self) { try v1.requestCount(matching: RequestFilter()) }
            #expect(error?.code == .database)
        }

        do {
            let upgraded = try Store(directory: directory.path)
            #expect(try migrations(upgraded) == ["v1", "v2", "v3"])
            #expect(try tables(upgraded).contains("requests"))
            #expect(try upgraded.probes(bridge: "codex", limit: 10).map(\.time) == [at(0)])
            #expect(try upgraded.lastTransitions().map(\.toState) == ["live"])
            #expect(try upgraded.textForTesting("PRAGMA journal_mode") == "wal")
            try upgraded.record(requests: [
                RequestRecord(time: at(2), clientApp: "curl", surface: "models", status: 200, latencyMs: 1)
            ])
        }

        // Reopening an up-to-date database runs nothing again and loses nothing.
        let reopened = try Store(directory: directory.path)
        #expect(try migrations(reopened) == ["v1", "v2", "v3"])
        #expect(try reopened.requestCount(matching: RequestFilter()) == 1)
        #expect(try reopened.probes(bridge: "codex", limit: 10).count == 1)
    }

    @Test(arguments: [
        ("requests_by_time", ["time"]),
        ("requests_by_caller_time", ["caller", "time"]),
        ("requests_by_model_served_time", ["model_served", "time"]),
        ("requests_by_model_requested_time", ["model_requested", "time"]),
        ("requests_by_bridge_time", ["bridge", "time"]),
        ("requests_by_client_app", ["client_app"]),
    ])
    func theLedgerHasAnIndexForEachDashboardQuery(index: String, columns: [String]) throws {
        let store = try Store(directory: directory.path)
        let table = try store.textForTesting("SELECT tbl_name FROM sqlite_master WHERE type = 'index' AND name = '\(index)'")
        #expect(table == "requests")
        #expect(try store.columnForTesting("SELECT name FROM pragma_index_info('\(index)') ORDER BY seqno") == columns)
    }

    @Test func openingAtAnEarlierMigrationThanTheDatabaseIsRefused() throws {
        _ = try Store(directory: directory.path)
        let behind = #expect(throws: StoreError.self) { try Store(directory: directory.path, migratingOnlyUpTo: "v1") }
        #expect(behind?.code == .newerSchema)
        let unknown = #expect(throws: StoreError.self) { try Store(directory: directory.path, migratingOnlyUpTo: "v7") }
        #expect(unknown?.code == .newerSchema)
    }
}
