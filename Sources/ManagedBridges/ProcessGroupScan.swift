import Foundation
import Policy

/// The processes of a managed bridge — its process group, plus any descendant that left the group —
/// and the TCP listeners they hold, read from procfs. (`bridgekeeper demo` uses the same scan to
/// stop sshd, whose session processes start sessions of their own.)
public struct ProcessGroupScan: Sendable {
    /// One process of the group.
    public struct Member: Sendable, Equatable, CustomStringConvertible {
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

        /// Whether it still runs, as opposed to a zombie waiting to be reaped.
        public var isLive: Bool { state != "Z" && state != "X" && state != "x" }

        /// `python3 (pid 1234)`.
        public var description: String { "\(comm) (pid \(pid))" }
    }

    /// A listener and the process that holds it.
    struct Held: Sendable, Equatable {
        /// The listening socket.
        var listener: Listener
        /// A process with the socket among its descriptors.
        var owner: Member
    }

    /// The members of the group led by `leader`, and its descendants outside it.
    var members: [Member]
    /// Listeners held by the members; nil when the listener tables could not be read.
    var listeners: [Held]?

    /// Parses `/proc/PID/stat`. The command name sits in parentheses and may itself hold spaces and
    /// parentheses, so the fields are counted from the last `)`.
    public static func parseStat(_ text: String) -> Member? {
        guard let open = text.firstIndex(of: "("), let close = text.lastIndex(of: ")"), open < close,
            let pid = Int32(text[..<open].trimmingCharacters(in: .whitespaces))
        else { return nil }
        let comm = String(text[text.index(after: open)..<close])
        let fields = text[text.index(after: close)...].split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count >= 3, let state = fields[0].first, let parent = Int32(fields[1]), let group = Int32(fields[2]) else {
            return nil
        }
        return Member(pid: pid, parent: parent, group: group, comm: comm, state: state)
    }

    /// The processes of `leader`'s group and its descendants, from `procRoot/PID/stat`, and with a
    /// `marker` (`NAME=value`) every process whose environment holds it, with its descendants:
    /// a process that called setsid and double-forked has left both the group and the tree, but
    /// it kept the environment it was started with.
    public static func members(procRoot: String, leader: Int32, marker: String? = nil) -> [Member] {
        let files = FileManager.default
        let pids = (try? files.contentsOfDirectory(atPath: procRoot))?.compactMap { Int32($0) } ?? []
        let all = pids.compactMap { pid in
            (try? String(contentsOfFile: "\(procRoot)/\(pid)/stat", encoding: .utf8)).flatMap(parseStat)
        }
        // Seeded by group only: once the leader is reaped its pid may be reused, but not while a
        // process still has it as its group. A descendant that called setsid or setpgid left the
        // group but is still the bridge's.
        var included = Set(all.filter { $0.group == leader }.map(\.pid))
        if let marker {
            let wanted = Array(marker.utf8)
            for process in all where !included.contains(process.pid) && process.isLive {
                // Only our own processes' environments can be read (or root's, everyone's).
                guard let environment = FileManager.default.contents(atPath: "\(procRoot)/\(process.pid)/environ") else { continue }
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

    /// Scans the group led by `leader` (and the processes carrying `marker`): its members, the
    /// sockets in their `fd` directories, and which of those sockets listen (TCP) or are bound
    /// (UDP) according to `procRoot/net/{tcp,tcp6,udp,udp6}`.
    static func scan(procRoot: String, leader: Int32, marker: String? = nil) -> ProcessGroupScan {
        let files = FileManager.default
        let members = members(procRoot: procRoot, leader: leader, marker: marker)
        var owners: [UInt64: Member] = [:]
        for member in members where member.isLive {
            let directory = "\(procRoot)/\(member.pid)/fd"
            for fd in (try? files.contentsOfDirectory(atPath: directory)) ?? [] {
                guard let link = try? files.destinationOfSymbolicLink(atPath: "\(directory)/\(fd)"),
                    link.hasPrefix("socket:["), let inode = UInt64(link.dropFirst(8).dropLast())
                else { continue }
                owners[inode] = owners[inode] ?? member
            }
        }
        guard !owners.isEmpty else { return ProcessGroupScan(members: members, listeners: []) }
        let (listeners, unreadable) = Listener.readProcNet(procRoot: procRoot, udp: true)
        guard unreadable.isEmpty else { return ProcessGroupScan(members: members, listeners: nil) }
        let held = listeners.compactMap { listener in owners[listener.inode].map { Held(listener: listener, owner: $0) } }
        return ProcessGroupScan(members: members, listeners: held)
    }

    /// The listeners reachable beyond loopback.
    var exposed: [Held] { (listeners ?? []).filter { !$0.listener.isLoopbackOnly } }
}
