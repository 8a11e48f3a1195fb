import Foundation
import GRDB

/// Bridgekeeper's one database: probe results, state transitions, incidents, the webhook outbox
/// and the gateway's request ledger, in `bridgekeeper.sqlite` under the state directory.
///
/// WAL mode, so readers (the daemon's status, the CLI in another process) never wait for the
/// writer; a write that meets another process's lock waits up to 5 seconds before failing with
/// `.busy`. Every call is synchronous and does disk I/O: call it from a thread that may block.
/// Times are parameters (the caller's clock, never `Date()` here), stored to the millisecond.
public final class Store: Sendable {
    /// The database file's name in the state directory.
    public static let fileName = "bridgekeeper.sqlite"
    /// How long a call waits for another connection's lock before it fails.
    static let busyTimeout: TimeInterval = 5

    /// The database file.
    public let path: String
    let pool: DatabasePool

    /// Opens (creating if missing) `directory/bridgekeeper.sqlite` and brings its schema up to date.
    /// The directory must exist. Errors name the path and what was wrong: a missing directory,
    /// one that is not writable, a file that is not a database, or a schema newer than this build.
    public convenience init(directory: String) throws(StoreError) {
        try self.init(directory: directory, migratingUpTo: nil)
    }

    /// Opens the database and runs its migrations up to and including `lastMigration` (all of
    /// them when nil); tests use it to make a database as an older build left it.
    init(directory: String, migratingUpTo lastMigration: String?) throws(StoreError) {
        let directory = directory.isEmpty ? "." : directory
        path = directory.hasSuffix("/") ? directory + Self.fileName : directory + "/" + Self.fileName
        try Self.checkAccess(directory: directory, file: path)
        try Self.makePrivate(directory: directory, file: path)

        var configuration = Configuration()
        configuration.label = "bridgekeeper.store"
        configuration.journalMode = .wal
        configuration.busyMode = .timeout(Self.busyTimeout)
        configuration.foreignKeysEnabled = true
        let path = path
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw StoreError("cannot open the database", path: path, error: error)
        }
        try migrate(upTo: lastMigration)
    }

    /// The ledger and incidents are nobody else's business. The state directory must be ours (as
    /// OpenSSH's StrictModes wants of ~/.ssh: another user could swap the files in it) and becomes
    /// 0700; the database becomes 0600 before SQLite opens it, whatever the umask (SQLite gives the
    /// -wal and -shm files it creates the database's mode). Each file must be a regular file of
    /// ours, not a link, or it is refused: a -wal planted 0666 by someone else would read every write.
    private static func makePrivate(directory: String, file: String) throws(StoreError) {
        var info = stat()
        guard stat(directory, &info) == 0 else {
            throw StoreError(.missingDirectory, path: directory, "cannot inspect the state directory: \(String(cString: strerror(errno)))")
        }
        guard info.st_uid == geteuid() else {
            throw StoreError(.notWritable, path: directory, "the state directory belongs to uid \(info.st_uid), not to this process's user (uid \(geteuid())); use a directory of its own")
        }
        if info.st_mode & 0o077 != 0, chmod(directory, info.st_mode & 0o700) != 0 {
            throw StoreError(.notWritable, path: directory, "cannot make the state directory private (mode 0700): \(String(cString: strerror(errno)))")
        }
        for companion in [file + "-wal", file + "-shm"] where access(companion, F_OK) == 0 {
            try ownPrivateFile(companion)
        }
        let fd = open(file, O_CREAT | O_RDWR | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else {
            throw StoreError(.cannotOpen, path: file, "cannot create the database file: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        try checkOwned(fd, path: file)
    }

    /// Opens `path` without following a link, checks it is a regular file of ours and makes it 0600.
    private static func ownPrivateFile(_ path: String) throws(StoreError) {
        let fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else {
            throw StoreError(.cannotOpen, path: path, "cannot open it (a link, or not ours?): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        try checkOwned(fd, path: path)
    }

    private static func checkOwned(_ fd: Int32, path: String) throws(StoreError) {
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_uid == geteuid() else {
            throw StoreError(.notWritable, path: path, "is not a regular file of this process's user; remove it")
        }
        guard fchmod(fd, 0o600) == 0 else {
            throw StoreError(.notWritable, path: path, "cannot make it private (mode 0600): \(String(cString: strerror(errno)))")
        }
    }

    private static func checkAccess(directory: String, file: String) throws(StoreError) {
        let files = FileManager.default
        var isDirectory: ObjCBool = false
        guard files.fileExists(atPath: directory, isDirectory: &isDirectory) else {
            throw StoreError(.missingDirectory, path: directory, "the state directory does not exist; create it first")
        }
        guard isDirectory.boolValue else {
            throw StoreError(.missingDirectory, path: directory, "the state directory is not a directory")
        }
        if files.fileExists(atPath: file, isDirectory: &isDirectory) {
            if isDirectory.boolValue {
                throw StoreError(.cannotOpen, path: file, "a directory is in the way of the database file")
            }
            if !files.isWritableFile(atPath: file) {
                throw StoreError(.notWritable, path: file, "the database file is not writable by this process")
            }
        }
        // SQLite creates the file and its -wal and -shm companions next to it.
        if !files.isWritableFile(atPath: directory) {
            throw StoreError(.notWritable, path: directory, "the state directory is not writable by this process")
        }
    }

    private func migrate(upTo lastMigration: String?) throws(StoreError) {
        let migrator = Schema.migrator
        do {
            let applied = try pool.read { db in try migrator.appliedIdentifiers(db) }
            let unknown = applied.subtracting(migrator.migrations).sorted()
            if !unknown.isEmpty {
                throw StoreError(
                    .newerSchema, path: path,
                    "the database was migrated by a newer bridgekeeper (unknown migrations: "
                        + unknown.joined(separator: ", ") + "); run that version or a newer one")
            }
            if let lastMigration {
                // GRDB traps on an unknown target or a database already past it; refuse instead.
                guard let last = migrator.migrations.firstIndex(of: lastMigration),
                    applied.isSubset(of: migrator.migrations[...last])
                else {
                    throw StoreError(
                        .newerSchema, path: path, "the database is not at or before migration \(lastMigration)")
                }
                try migrator.migrate(pool, upTo: lastMigration)
            } else {
                try migrator.migrate(pool)
            }
        } catch {
            throw StoreError("cannot migrate the database", path: path, error: error)
        }
    }

    /// Runs `body` on a reader connection, turning failures into `StoreError`s that say `action`.
    func read<T>(_ action: String, _ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try pool.read(body)
        } catch {
            throw StoreError(action, path: path, error: error)
        }
    }

    /// Runs `body` in one write transaction (all or nothing), turning failures into `StoreError`s.
    func write<T>(_ action: String, _ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try pool.write(body)
        } catch {
            throw StoreError(action, path: path, error: error)
        }
    }

    /// The largest `LIMIT` to use for a caller's `limit` (negative means none, in SQLite; here it means zero).
    static func clamp(_ limit: Int) -> Int { max(limit, 0) }
}
