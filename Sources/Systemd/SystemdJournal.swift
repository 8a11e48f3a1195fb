import CSystemd
import Glibc

/// Writes entries to the systemd journal with `sd_journal_sendv`. Without journald (a container, a
/// non-systemd host) `send` throws; callers log that once and carry on.
public struct SystemdJournal: JournalWriter {
    /// Makes the writer; it holds no state, the library connects per call.
    public init() {}

    /// Sends one entry as `NAME=value` iovecs, so values may hold newlines and any UTF-8.
    public func send(_ entry: JournalEntry) throws {
        guard !entry.fields.isEmpty else { return }
        // One buffer for every field keeps all iovec bases valid for the call.
        var buffer: [UInt8] = []
        var ranges: [Range<Int>] = []
        for field in entry.fields {
            let start = buffer.count
            buffer += Array(field.name.utf8)
            buffer.append(UInt8(ascii: "="))
            buffer += Array(field.value.utf8)
            ranges.append(start..<buffer.count)
        }
        let result = buffer.withUnsafeMutableBytes { bytes -> Int32 in
            let vectors = ranges.map { range in
                iovec(iov_base: bytes.baseAddress.map { $0 + range.lowerBound }, iov_len: range.count)
            }
            return vectors.withUnsafeBufferPointer { sd_journal_sendv($0.baseAddress, Int32($0.count)) }
        }
        if result < 0 { throw JournalError(errno: -result) }
    }
}
