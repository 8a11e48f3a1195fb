import GRDB

/// Why the store could not do what was asked. The message names the database path and the cause;
/// it never includes row contents (GRDB keeps statement arguments out of its errors, and only
/// SQLite's own message is quoted, never the statement).
public struct StoreError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: String {
            case missingDirectory = "missing_directory"
            case notWritable = "not_writable"
            case cannotOpen = "cannot_open"
            case notADatabase = "not_a_database"
            case corrupt
            case newerSchema = "newer_schema"
            case busy
            case conflict
            case notFound = "not_found"
            case invalidRecord = "invalid_record"
            case ioFailure = "io_failure"
            case database
        }

        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// The state directory does not exist (or is not a directory).
        public static let missingDirectory = Code(.missingDirectory)
        /// The directory or the database file cannot be written by this process.
        public static let notWritable = Code(.notWritable)
        /// SQLite could not open the file for another reason (e.g. the path is a directory).
        public static let cannotOpen = Code(.cannotOpen)
        /// The file exists but is not an SQLite database.
        public static let notADatabase = Code(.notADatabase)
        /// The database, or a row in it, is damaged.
        public static let corrupt = Code(.corrupt)
        /// The database was migrated by a newer bridgekeeper than this one.
        public static let newerSchema = Code(.newerSchema)
        /// Another connection held the database locked for longer than the busy timeout.
        public static let busy = Code(.busy)
        /// A write broke a rule of the schema (e.g. a second open incident for one key); nothing was written.
        public static let conflict = Code(.conflict)
        /// An update named a row that does not exist.
        public static let notFound = Code(.notFound)
        /// A record that must not be stored (a webhook URL or a credential header in the outbox, a
        /// request whose caller or client app looks like a credential).
        public static let invalidRecord = Code(.invalidRecord)
        /// The disk is full or an I/O operation failed.
        public static let ioFailure = Code(.ioFailure)
        /// Any other SQLite failure.
        public static let database = Code(.database)

        /// The code as a snake_case word.
        public var description: String { value.rawValue }
    }

    /// What kind of failure.
    public let code: Code
    /// The database file (or, for `missingDirectory`, the directory).
    public let path: String
    /// What went wrong, without the path.
    public let message: String
    /// SQLite's extended result code, when SQLite reported the failure.
    public let sqliteCode: Int32?

    /// Whether trying again later can help (a lock held by another process, a full disk).
    public var isTransient: Bool { code == .busy || code == .ioFailure }

    /// `path: message`.
    public var description: String { "\(path): \(message)" }

    init(_ code: Code, path: String, _ message: String, sqliteCode: Int32? = nil) {
        self.code = code
        self.path = path
        self.message = message
        self.sqliteCode = sqliteCode
    }

    /// Classifies an error thrown while doing `action` (a phrase: "cannot record a probe").
    init(_ action: String, path: String, error: any Error) {
        if let error = error as? StoreError {
            self = error
            return
        }
        guard let error = error as? DatabaseError else {
            // Row decoding and JSON errors can quote row contents: keep only the kind of failure.
            self.init(.corrupt, path: path, "\(action): a stored row could not be read back")
            return
        }
        let sqlite = error.message ?? "SQLite error \(error.extendedResultCode.rawValue)"
        let code: Code
        let detail: String
        switch error.resultCode {
        case .SQLITE_NOTADB:
            (code, detail) = (.notADatabase, "not an SQLite database (\(sqlite))")
        case .SQLITE_CORRUPT:
            (code, detail) = (.corrupt, "the database is damaged (\(sqlite)); restore a backup or move the file aside")
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            (code, detail) = (.busy, "the database stayed locked by another connection (\(sqlite))")
        case .SQLITE_READONLY, .SQLITE_PERM, .SQLITE_AUTH:
            (code, detail) = (.notWritable, "the database cannot be written (\(sqlite))")
        case .SQLITE_CANTOPEN:
            (code, detail) = (.cannotOpen, "the database file cannot be opened (\(sqlite))")
        case .SQLITE_FULL, .SQLITE_IOERR:
            (code, detail) = (.ioFailure, sqlite)
        case .SQLITE_CONSTRAINT:
            code = .conflict
            if sqlite.contains("incidents.key") {
                detail = "an incident with the same key is already open; nothing was written (\(sqlite))"
            } else if error.extendedResultCode == .SQLITE_CONSTRAINT_FOREIGNKEY {
                detail = "a message refers to an incident that does not exist; nothing was written (\(sqlite))"
            } else {
                detail = "\(sqlite); nothing was written"
            }
        default:
            (code, detail) = (.database, sqlite)
        }
        self.init(code, path: path, "\(action): \(detail)", sqliteCode: error.extendedResultCode.rawValue)
    }
}
