import CSystemd
import Glibc

/// Whether this process's stderr is connected to journald: systemd sets `JOURNAL_STREAM` to the
/// `DEVICE:INODE` of that stream (systemd.exec(5)). The variable is inherited by children whose
/// stderr may go elsewhere, so it counts only when it names stderr itself, as the manual advises.
public enum JournalStream {
    /// Whether `environment`'s `JOURNAL_STREAM` names the file open as stderr.
    public static func isStandardError(environment: [String: String]) -> Bool {
        guard let value = environment["JOURNAL_STREAM"] else { return false }
        let parts = value.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return false }
        var stderrDevice: UInt64 = 0
        var stderrInode: UInt64 = 0
        guard bridgekeeper_file_identity(STDERR_FILENO, &stderrDevice, &stderrInode) == 0 else { return false }
        return stderrDevice == device && stderrInode == inode
    }
}
