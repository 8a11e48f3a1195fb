import Foundation
import Glibc
@_spi(Testing) import Store
import TestSupport
import Testing

/// Opening: schema, WAL, reopening, and the errors for unusable paths.
@Suite struct StoreTests {
    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory("store") }

    @Test func migrationsCreateTheTablesAndIndexesInWALMode() throws {
        let store = try Store(directory: directory.path)
        #expect(store.path == directory.databasePath)
        #expect(FileManager.default.fileExists(atPath: directory.databasePath))
        #expect(try store.textForTesting("PRAGMA journal_mode") == "wal")
        #expect(try store.textForTesting("PRAGMA foreign_keys") == "1")
        #expect(try store.textForTesting("PRAGMA busy_timeout") == "5000")
        let tables = try store.columnForTesting("SELECT name FROM sqlite_master WHERE type = 'table'")
        for table in ["probes", "transitions", "incidents", "outbox", "requests", "grdb_migrations"] {
            #expect(tables.contains(table), "missing table \(table)")
        }
        let indexes = try store.columnForTesting("SELECT name FROM sqlite_master WHERE type = 'index'")
        for index in ["probes_by_bridge_time", "incidents_open_key", "outbox_by_delivery", "requests_by_key_time"] {
            #expect(indexes.contains(index), "missing index \(index)")
        }
        #expect(try store.columnForTesting("SELECT identifier FROM grdb_migrations") == ["v1", "v2", "v3"])
        let openKey = try store.textForTesting("SELECT sql FROM sqlite_master WHERE name = 'incidents_open_key'")
        #expect(openKey?.contains("WHERE resolved_at IS NULL") == true)
    }

    @Test func reopeningKeepsEveryKindOfRow() throws {
        let probe = ProbeRecord(
            bridge: "m365", time: at(0.5), verdict: "auth_required", httpStatus: 401, reason: "bridge wants a login",
            message: "Set MICROSOFT_CLIENT_ID or M365_COPILOT_ACCESS_TOKEN.", connectMs: 0.25, tlsMs: nil,
            firstByteMs: 3.5, totalMs: 4.125)
        let transition = TransitionRecord(
            time: at(1), kind: "bridge", subject: "m365", fromState: "live", toState: "auth_required",
            reason: "401", message: "Set MICROSOFT_CLIENT_ID.")
        let incident = IncidentRecord(
            key: "bridge:m365", kind: "bridge", subject: "m365", state: "auth_required", reason: "401",
            message: "log in", bridges: ["m365"], openedAt: at(1), lastNotifiedAt: at(2), remindersSent: 1,
            flapping: true)
        let message = OutboxMessage(
            webhook: "oncall", incidentKey: "bridge:m365", event: "opened", body: #"{"text":"m365 needs a login"}"#,
            contentType: "application/json", headers: ["Title": "m365", "Priority": "high"], createdAt: at(1),
            nextAttemptAt: at(1))

        var saved: [IncidentRecord] = []
        do {
            let store = try Store(directory: directory.path)
            try store.record(probe)
            saved = try store.commit(StoreBatch(transitions: [transition], incidents: [incident], outbox: [message]))
        }

        let store = try Store(directory: directory.path)
        let probes = try store.probes(bridge: "m365", limit: 10)
        #expect(probes.count == 1)
        var expectedProbe = probe
        expectedProbe.id = probes.first?.id
        #expect(probes == [expectedProbe])

        let transitions = try store.transitions(subject: "m365", limit: 10)
        var expectedTransition = transition
        expectedTransition.id = transitions.first?.id
        #expect(transitions == [expectedTransition])

        #expect(try store.openIncidents() == saved)
        let id = try #require(saved.first?.id)
        #expect(try store.incident(id: id) == saved.first)

        var expectedMessage = message
        let due = try store.dueMessages(now: at(1), limit: 10)
        expectedMessage.id = due.first?.id
        expectedMessage.incidentId = id
        #expect(due == [expectedMessage])
    }

    @Test func aSecondStoreOnTheSameFileSeesTheFirstsWrites() throws {
        let writer = try Store(directory: directory.path)
        let reader = try Store(directory: directory.path + "/")
        #expect(reader.path == writer.path)
        try writer.record(ProbeRecord(bridge: "codex", time: at(0), verdict: "live"))
        #expect(try reader.probes(bridge: "codex", limit: 1).map(\.verdict) == ["live"])
    }

    @Test func aMissingDirectoryIsNamed() throws {
        let missing = directory.path + "/no-such-dir"
        let error = #expect(throws: StoreError.self) { try Store(directory: missing) }
        #expect(error?.code == .missingDirectory)
        #expect(error?.path == missing)
        #expect(error?.description.contains(missing) == true)
        #expect(error?.description.contains("does not exist") == true)
        #expect(!FileManager.default.fileExists(atPath: missing))
    }

    @Test func aFileInPlaceOfTheDirectoryIsRefused() throws {
        let file = directory.path + "/plain-file"
        try Data("x".utf8).write(to: URL(fileURLWithPath: file))
        let error = #expect(throws: StoreError.self) { try Store(directory: file) }
        #expect(error?.code == .missingDirectory)
        #expect(error?.description.contains("not a directory") == true)
    }

    @Test func aFileThatIsNotADatabaseIsNamed() throws {
        let garbage = String(repeating: "this is not an SQLite database, just text. ", count: 100)
        try Data(garbage.utf8).write(to: URL(fileURLWithPath: directory.databasePath))
        let error = #expect(throws: StoreError.self) { try Store(directory: directory.path) }
        #expect(error?.code == .notADatabase)
        #expect(error?.path == directory.databasePath)
        #expect(error?.description.contains(directory.databasePath) == true)
        #expect(error?.description.contains("not an SQLite database") == true)
        #expect(error?.description.contains("just text") == false)
    }

    @Test func aSchemaFromANewerBuildIsRefused() throws {
        do {
            let store = try Store(directory: directory.path)
            try store.executeForTesting("INSERT INTO grdb_migrations (identifier) VALUES ('v9_from_the_future')")
        }
        let error = #expect(throws: StoreError.self) { try Store(directory: directory.path) }
        #expect(error?.code == .newerSchema)
        #expect(error?.description.contains(directory.databasePath) == true)
        #expect(error?.description.contains("v9_from_the_future") == true)
    }

    @Test("a state directory of another user, or a WAL file planted as a link or by another user, is refused")
    func foreignFilesAreRefused() throws {
        let foreign = try TemporaryDirectory("store")
        chown(foreign.path, 65534, 65534)
        let error = #expect(throws: StoreError.self) { try Store(directory: foreign.path) }
        #expect(error?.description.contains("belongs to uid 65534") == true, "\(error?.description ?? "")")

        let planted = try TemporaryDirectory("store")
        symlink("/tmp/somewhere-readable", planted.databasePath + "-wal")
        #expect(throws: StoreError.self) { try Store(directory: planted.path) }

        let theirs = try TemporaryDirectory("store")
        FileManager.default.createFile(atPath: theirs.databasePath + "-wal", contents: nil, attributes: [.posixPermissions: 0o666])
        chown(theirs.databasePath + "-wal", 65534, 65534)
        let refused = #expect(throws: StoreError.self) { try Store(directory: theirs.path) }
        #expect(refused?.description.contains("not a regular file of this process's user") == true)
    }
}
