import Foundation

/// Which process holds which socket, from the `socket:[inode]` links in `/proc/PID/fd`.
public struct SocketOwners: Sendable {
    /// `comm (pid N)` for each inode found.
    public var byInode: [UInt64: String] = [:]
    /// False when some process's fds could not be read (not root), so a missing owner means "unknown".
    public var complete = true

    public static func scan(procRoot: String, inodes: Set<UInt64>) -> SocketOwners {
        var owners = SocketOwners()
        let files = FileManager.default
        let pids = (try? files.contentsOfDirectory(atPath: procRoot))?.filter { $0.allSatisfy(\.isNumber) } ?? []
        for pid in pids {
            guard let fds = try? files.contentsOfDirectory(atPath: "\(procRoot)/\(pid)/fd") else {
                owners.complete = false
                continue
            }
            for fd in fds {
                guard let link = try? files.destinationOfSymbolicLink(atPath: "\(procRoot)/\(pid)/fd/\(fd)"),
                    link.hasPrefix("socket:["), let inode = UInt64(link.dropFirst(8).dropLast()), inodes.contains(inode)
                else { continue }
                let comm = (try? String(contentsOfFile: "\(procRoot)/\(pid)/comm", encoding: .utf8))?
                    .trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
                owners.byInode[inode] = "\(comm) (pid \(pid))"
            }
        }
        return owners
    }
}
