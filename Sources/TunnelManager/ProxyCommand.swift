import Foundation
import Glibc
import Logging
import Platform
import Policy
import Synchronization

/// A running ProxyCommand (such as `cloudflared access ssh --hostname %h`) whose stdin and stdout
/// are one end of a socketpair; the SSH session runs over the other end. Its stderr goes to the log.
final class ProxyCommand: Sendable {
    /// The child's process id (also its process group).
    let pid: pid_t
    private let lastError = Mutex<String?>(nil)
    /// How the command ended, once it has been reaped (waitpid answers only once).
    private let ending = Mutex<String?>(nil)
    /// Set when the command's stderr reached EOF: every line it wrote has been read.
    private let stderrClosed = Atomic<Bool>(false)

    /// Expands `%h` (host), `%p` (port), `%r` (user) and `%%`, as OpenSSH does, except that a
    /// host or user holding anything but letters, digits and `._-:[]@` is shell-quoted: the
    /// command goes to `/bin/sh`, and a host or user must never become shell syntax (the class of
    /// OpenSSH's CVE-2023-51385). The config already refuses hosts and users that are not plain
    /// names; the quoting holds even if one got through.
    static func expand(_ template: String, host: String, port: UInt16, user: String) throws(TunnelFailure) -> String {
        var result = ""
        var iterator = template.makeIterator()
        while let character = iterator.next() {
            guard character == "%" else {
                result.append(character)
                continue
            }
            switch iterator.next() {
            case "h": result += shellWord(host)
            case "p": result += String(port)
            case "r": result += shellWord(user)
            case "%": result += "%"
            case let other:
                throw TunnelFailure(
                    .proxyFailed, "proxy_command: unknown escape '%\(other.map(String.init) ?? "")'; use %h, %p, %r or %%")
            }
        }
        return result
    }

    /// `text` as one literal shell word: as it is when it holds nothing the shell reads (so a
    /// template's own quotes, `--hostname "%h"`, still work), else in single quotes, each `'` in it
    /// written as `'\''`.
    static func shellWord(_ text: String) -> String {
        let plain = !text.isEmpty && text.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || $0.properties.numericType != nil || "._-:[]@".unicodeScalars.contains($0)) }
        return plain ? text : "'" + text.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }

    /// Starts `/bin/sh -c "exec COMMAND"` in its own process group with `childEnd` as stdin and stdout.
    init(command: String, childEnd: Int32, logger: Logger) throws(TunnelFailure) {
        var errorPipe: [Int32] = [0, 0]
        // A socketpair rather than a pipe: close-on-exec from the start, so a command spawned by
        // another tunnel's thread at the same moment cannot inherit this one's stderr.
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &errorPipe) == 0 else {
            throw TunnelFailure(.proxyFailed, "proxy_command: socketpair: \(String(cString: strerror(errno)))")
        }
        let spawned = Result { () throws(ProcessGroupSpawn.Failure) in
            try ProcessGroupSpawn.spawn(
                ["/bin/sh", "-c", "exec \(command)"], environment: .ofThisProcess(),
                stdin: .descriptor(childEnd), stdout: .descriptor(childEnd), stderr: .descriptor(errorPipe[1]))
        }
        close(errorPipe[1])
        switch spawned {
        case .success(let child): pid = child
        case .failure(let failure):
            close(errorPipe[0])
            throw TunnelFailure(.proxyFailed, "proxy_command: cannot start /bin/sh: \(failure)")
        }
        let reader = errorPipe[0]
        DedicatedThread.start("bk-proxy-stderr") { [self] in
            let handle = FileHandle(fileDescriptor: reader, closeOnDealloc: true)
            var pending = Data()
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty {
                    self.stderrClosed.store(true, ordering: .releasing)
                    break
                }
                pending.append(chunk)
                // A line is what ends in a newline, or 16 KiB of text without one.
                while let end = pending.firstIndex(of: 0x0A) ?? (pending.count >= 16384 ? pending.startIndex + 16384 : nil) {
                    let raw = pending[pending.startIndex..<end]
                    pending.removeSubrange(pending.startIndex..<min(end + 1, pending.endIndex))
                    // The command's words reach logs and the tunnel's status: untrusted text.
                    let line = UntrustedText.clean(String(decoding: raw, as: UTF8.self), limit: 500)
                    guard !line.isEmpty else { continue }
                    logger.warning("proxy_command: \(line)")
                    self.lastError.withLock { $0 = line }
                }
            }
        }
    }

    /// The last line the command wrote to stderr.
    var lastErrorLine: String? { lastError.withLock { $0 } }

    /// A description of how the command ended, or nil while it runs.
    func exitStatus() -> String? {
        ending.withLock { ending in
            if ending == nil { ending = ChildExit.reap(pid) }
            return ending
        }
    }

    /// Waits up to `limit` for the command to end and for its last stderr line to be read; returns
    /// how it ended, or nil if it is still running. The SSH stream breaks a moment before the
    /// command's exit is visible, so a failure is only blamed on the network after this.
    func awaitExit(within limit: Duration) -> String? {
        let deadline = ContinuousClock.now + limit
        while true {
            let status = exitStatus()
            if status != nil && stderrClosed.load(ordering: .acquiring) { return status }
            if ContinuousClock.now >= deadline { return status }
            usleep(10_000)
        }
    }

    /// Stops the command's process group: SIGTERM, then SIGKILL after a grace period.
    func terminate(grace: Duration = .seconds(1)) {
        guard exitStatus() == nil else { return }
        kill(-pid, SIGTERM)
        if awaitExit(within: grace) != nil { return }
        kill(-pid, SIGKILL)
        ending.withLock { ending in
            if ending == nil { ending = ChildExit.reap(pid, blocking: true) }
        }
    }
}
