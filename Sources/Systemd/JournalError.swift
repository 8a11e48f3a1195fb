/// The journal refused an entry (no journald socket, a malformed field).
public struct JournalError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The errno: `sd_journal_sendv`'s negative return, made positive.
    public let errno: Int32

    /// Makes the error for an errno.
    public init(errno: Int32) {
        self.errno = errno
    }

    /// Names the errno; entries never appear in it.
    public var description: String {
        "the journal refused an entry (errno \(errno))"
    }
}
