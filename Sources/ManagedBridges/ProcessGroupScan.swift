import Foundation
import Platform
import Policy

/// The processes of a managed bridge (``ProcessTree/members(procRoot:leader:marker:)``) and the
/// listeners they hold, read from procfs.
struct ProcessGroupScan: Sendable {
    /// A listener and the process that holds it.
    struct Held: Sendable, Equatable {
        /// The listening socket.
        var listener: Listener
        /// A process with the socket among its descriptors.
        var owner: ProcessTree.Process
    }

    /// The members of the group led by `leader`, and its descendants outside it.
    var members: [ProcessTree.Process]
    /// Listeners held by the members; nil when the listener tables could not be read.
    var listeners: [Held]?

    /// Scans the group led by `leader` (and the processes carrying `marker`): its members, the
    /// sockets in their `fd` directories, and which of those sockets listen (TCP) or are bound
    /// (UDP) according to `procRoot/net/{tcp,tcp6,udp,udp6}`.
    static func scan(procRoot: String, leader: Int32, marker: String? = nil) -> ProcessGroupScan {
        let files = FileManager.default
        let members = ProcessTree.members(procRoot: procRoot, leader: leader, marker: marker)
        var owners: [UInt64: ProcessTree.Process] = [:]
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
