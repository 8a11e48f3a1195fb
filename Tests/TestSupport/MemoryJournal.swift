public import Systemd
import Synchronization

/// A journal that keeps entries in memory, for tests.
public final class MemoryJournal: JournalWriter {
    private let storage = Mutex<[JournalEntry]>([])

    public init() {}

    /// Everything sent so far, in order.
    public var entries: [JournalEntry] { storage.withLock { $0 } }

    public func send(_ entry: JournalEntry) throws {
        storage.withLock { $0.append(entry) }
    }
}
