/// Where journal entries go: the systemd journal in the daemon, a list in tests.
public protocol JournalWriter: Sendable {
    /// Writes one entry.
    func send(_ entry: JournalEntry) throws
}
