import Foundation
import Glibc
public import Logging

/// The daemon's log backend. Under journald (``JournalStream``) each event is one structured
/// entry (``JournalEntry/init(log:metadata:)``) sent through ``SystemdJournal``; elsewhere, or if
/// the journal refuses an entry, it is one ``Logfmt`` line on stderr. Secrets are never logged by
/// the daemon's code, and this handler adds nothing but the event, its metadata and its location.
public struct DaemonLogHandler: LogHandler {
    /// Where events go.
    public enum Destination: Sendable {
        /// Structured entries to a journal (``SystemdJournal`` in the daemon).
        case journal(any JournalWriter)
        /// Logfmt lines on stderr.
        case standardError

        /// The journal when stderr is journald's stream in `environment`, stderr otherwise.
        public static func detect(environment: [String: String]) -> Destination {
            JournalStream.isStandardError(environment: environment) ? .journal(SystemdJournal()) : .standardError
        }
    }

    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let destination: Destination
    private let write: @Sendable (String) -> Void

    /// A handler logging at `level` and above to `destination`; `write` takes each logfmt line
    /// (newline included) and defaults to one `write(2)` on stderr, so lines never interleave.
    public init(
        level: Logger.Level, destination: Destination, metadataProvider: Logger.MetadataProvider? = nil,
        write: @escaping @Sendable (String) -> Void = DaemonLogHandler.writeStandardError
    ) {
        logLevel = level
        self.destination = destination
        self.metadataProvider = metadataProvider
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let own = event.metadata { merged.merge(own) { _, new in new } }
        if let error = event.error { merged["error"] = "\(error)" }
        if case .journal(let journal) = destination {
            // A refused entry (journald gone) still reaches stderr, which systemd also collects.
            if (try? journal.send(JournalEntry(log: event, metadata: merged))) != nil { return }
        }
        write(Logfmt.line(time: Date(), level: event.level, message: event.message.description, metadata: merged) + "\n")
    }

    /// Writes `line` to stderr in one call.
    public static func writeStandardError(_ line: String) {
        var bytes = Array(line.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { Glibc.write(STDERR_FILENO, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return }
            offset += written
        }
    }
}
