import Foundation

/// Processes read from procfs: a process group with the descendants that left it, and the
/// processes carrying an environment marker. Managed bridges are scanned and stopped through it;
/// `bridgekeeper demo` stops sshd with it (sshd's session processes start sessions of their own).
public enum ProcessTree {
    /// One process, from `/proc/PID/stat`.
    public struct Process: Sendable, Equatable, CustomStringConvertible {
        /// Its process id.
        public var pid: Int32
        /// Its parent's process id.
        public var parent: Int32
        /// Its process group.
        public var group: Int32
        /// Its command name (`comm`).
        public var comm: String
        /// Its state letter: `R`, `S`, `Z` (zombie) and so on.
        public var state: Character

        public init(pid: Int32, parent: Int32, group: Int32, comm: String, state: Character) {
            self.pid = pid
            self.parent = parent
            self.group = group
            self.comm = comm
            self.state = state
        }

        /// Whether it still runs, as opposed to a zombie waiting to be reaped.
        public var isLive: Bool { state != "Z" && state != "X" && state != "x" }

        /// `python3 (pid 1234)`.
        public var description: String { "\(comm) (pid \(pid))" }
    }

    /// Parses `/proc/PID/stat`. The command name sits in parentheses and may itself hold spaces and
    /// parentheses, so the fields are counted from the last `)`.
    public static func parseStat(_ text: String) -> Process? {
        guard let open = text.firstIndex(of: "("), let close = text.lastIndex(of: ")"), open < close,
            let pid = Int32(text[..<open].trimmingCharacters(in: .whitespaces))
        else { return nil }
        let comm = String(text[text.index(after: open)..<close])
        let fields = text[text.index(after: close)...].split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count >= 3, let state = fields[0].first, let parent = Int32(fields[1]), let group = Int32(fields[2]) else {
            return nil
        }
        return Process(pid: pid, parent: parent, group: group, comm: comm, state: state)
    }

    /// The processes of `leader`'s group and its descendants, from `procRoot/PID/stat`, and with a
    /// `marker` (`NAME=value`) every process whose environment holds it, with its descendants:
    /// a process that called setsid and double-forked has left both the group and the tree, but
    /// it kept the environment it was started with. Sorted by pid.
    public static func members(procRoot: String = "/proc", leader: Int32, marker: String? = nil) -> [Process] {
        let files = FileManager.default
        let pids = (try? files.contentsOfDirectory(atPath: procRoot))?.compactMap { Int32($0) } ?? []
        let all = pids.compactMap { pid in
            (try? String(contentsOfFile: "\(procRoot)/\(pid)/stat", encoding: .utf8)).flatMap(parseStat)
        }
        // Seeded by group only: once the leader is reaped its pid may be reused, but not while a
        // process still has it as its group. A descendant that called setsid or setpgid left the
        // group but is still the leader's.
        var included = Set(all.filter { $0.group == leader }.map(\.pid))
        if let marker {
            let wanted = Array(marker.utf8)
            for process in all where !included.contains(process.pid) && process.isLive {
                // Only our own processes' environments can be read (or root's, everyone's).
                guard let environment = files.contents(atPath: "\(procRoot)/\(process.pid)/environ") else { continue }
                if environment.split(separator: 0).contains(where: { $0.elementsEqual(wanted) }) { included.insert(process.pid) }
            }
        }
        var grew = true
        while grew {
            grew = false
            for process in all where !included.contains(process.pid) && included.contains(process.parent) {
                included.insert(process.pid)
                grew = true
            }
        }
        return all.filter { included.contains($0.pid) }.sorted { $0.pid < $1.pid }
    }
}
