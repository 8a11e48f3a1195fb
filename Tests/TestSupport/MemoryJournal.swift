import Supervisor
import Synchronization

/// A journal that keeps entries in memory, for tests.
final class MemoryJournal: JournalWriter {
    private let storage = Mutex<[JournalEntry]>([])

    /// Everything sent so far, in order.
    var entries: [JournalEntry] { storage.withLock { $0 } }

    func send(_ entry: JournalEntry) throws {
        storage.withLock { $0.append(entry) }
    }
}
