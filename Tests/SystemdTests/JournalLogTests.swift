import Glibc
import Logging
import Systemd
import Testing
import TestSupport

/// Log events as structured journal entries.
@Suite struct JournalLogTests {
    static func event(_ level: Logger.Level, _ message: Logger.Message) -> LogEvent {
        LogEvent(level: level, message: message, metadata: nil, source: "Supervisor", file: "Supervisor/ProbeService.swift", function: "report(_:)", line: 42)
    }

    @Test("MESSAGE, PRIORITY, SYSLOG_IDENTIFIER, CODE_* then metadata as upper-case fields in key order")
    func fields() {
        let entry = JournalEntry(
            log: Self.event(.warning, "bridge codex: down"),
            metadata: ["bridge": "codex", "prev_state": "live", "reason": "connection refused"])
        #expect(entry.fields.map(\.name) == [
            "MESSAGE", "PRIORITY", "SYSLOG_IDENTIFIER", "CODE_FILE", "CODE_LINE", "CODE_FUNC", "BRIDGE", "PREV_STATE", "REASON",
        ])
        #expect(entry["MESSAGE"] == "bridge codex: down")
        #expect(entry["PRIORITY"] == "4")
        #expect(entry["SYSLOG_IDENTIFIER"] == "bridgekeeper")
        #expect(entry["CODE_FILE"] == "Supervisor/ProbeService.swift")
        #expect(entry["CODE_LINE"] == "42")
        #expect(entry["CODE_FUNC"] == "report(_:)")
        #expect(entry["BRIDGE"] == "codex")
        #expect(entry["REASON"] == "connection refused")
    }

    @Test("syslog priorities by level", arguments: [
        (Logger.Level.critical, 2), (.error, 3), (.warning, 4), (.notice, 5), (.info, 6), (.debug, 7), (.trace, 7),
    ])
    func priority(level: Logger.Level, expected: Int) {
        #expect(JournalEntry.priority(of: level) == expected)
    }

    @Test("metadata keys become valid field names and never replace the handler's own fields", arguments: [
        ("bridge", "BRIDGE"), ("prev-state", "PREV_STATE"), ("http.status", "HTTP_STATUS"), ("_pid", "X_PID"), ("2fa", "X2FA"),
        ("", "X"),
    ])
    func names(key: String, expected: String) {
        #expect(JournalEntry.fieldName(metadataKey: key) == expected)
    }

    @Test("a metadata key named like a handler field is prefixed with META_")
    func reserved() {
        let entry = JournalEntry(log: Self.event(.info, "hello"), metadata: ["message": "forged", "priority": "0"])
        #expect(entry.values(of: "MESSAGE") == ["hello"])
        #expect(entry.values(of: "PRIORITY") == ["6"])
        #expect(entry["META_MESSAGE"] == "forged")
        #expect(entry["META_PRIORITY"] == "0")
    }

    @Test("the handler sends to the journal, and to stderr only when the journal refuses")
    func handler() {
        let journal = MemoryJournal()
        let lines = Lines()
        let logger = Logger(label: "test") { _ in DaemonLogHandler(level: .info, destination: .journal(journal), write: lines.append) }
        logger.notice("supervisor started", metadata: ["tunnels": "1"])
        #expect(journal.entries.count == 1)
        #expect(journal.entries.first?["TUNNELS"] == "1")
        #expect(journal.entries.first?["PRIORITY"] == "5")
        #expect(lines.all.isEmpty)

        let refusing = Logger(label: "test") { _ in DaemonLogHandler(level: .info, destination: .journal(RefusingJournal()), write: lines.append) }
        refusing.error("cannot record a probe")
        #expect(lines.all.count == 1)
        #expect(lines.all.first?.contains(#"level=error msg="cannot record a probe""#) == true)
    }

    @Test("JOURNAL_STREAM counts only when it names stderr")
    func journalStream() {
        #expect(!JournalStream.isStandardError(environment: [:]))
        #expect(!JournalStream.isStandardError(environment: ["JOURNAL_STREAM": "garbage"]))
        #expect(!JournalStream.isStandardError(environment: ["JOURNAL_STREAM": "1:1"]))
        var info = stat()
        #expect(fstat(STDERR_FILENO, &info) == 0)
        #expect(JournalStream.isStandardError(environment: ["JOURNAL_STREAM": "\(info.st_dev):\(info.st_ino)"]))
        #expect(!JournalStream.isStandardError(environment: ["JOURNAL_STREAM": "\(info.st_dev):\(info.st_ino + 1)"]))
    }
}

/// A journal that refuses every entry, as when journald is gone.
struct RefusingJournal: JournalWriter {
    func send(_ entry: JournalEntry) throws { throw JournalError(errno: 111) }
}
