import Foundation
import Glibc
import Platform
import Supervisor

/// A child process in a process group of its own, with stdin from `/dev/null` and stdout and
/// stderr appended to a log file.
///
/// Its own group keeps a terminal's Ctrl-C away from it (the demo decides the order things stop
/// in); ``stop(grace:)`` reaches its whole process tree.
/// Spawned with `posix_spawn`, not Foundation's `Process`, as elsewhere in this codebase: sshd
/// closes every inherited descriptor, which stalls `Process`'s exit monitoring.
///
/// Not thread-safe: the demo's one task drives it.
final class ChildProcess: @unchecked Sendable {
    /// What it runs, for messages: `sshd`, `bridgekeeper run`.
    let name: String
    /// Its process id, which is also its process group.
    let pid: Int32
    /// The file its stdout and stderr go to.
    let logPath: String
    /// How it ended (`exited with status 1`, `killed by signal 9`) once reaped.
    private(set) var ending: String?

    /// Spawns `arguments` with this process's environment, as ``ProcessGroupSpawn`` starts every
    /// child. `executable` is the program's path, `arguments[0]` by default.
    init(name: String, arguments: [String], executable: String? = nil, logPath: String) throws(DemoFailure) {
        self.name = name
        self.logPath = logPath
        guard let program = executable ?? arguments.first else { throw DemoFailure("cannot start \(name): no program") }
        do {
            pid = try ProcessGroupSpawn.spawn(
                arguments, executable: program, environment: nil, stdin: .null, stdout: .appending(to: logPath), stderr: .descriptor(1))
        } catch {
            throw DemoFailure("cannot start \(name) (\(program)): \(error)")
        }
    }

    /// Whether it still runs; reaps it once it has ended.
    var isRunning: Bool {
        if ending == nil { ending = ChildExit.reap(pid) }
        return ending == nil
    }

    /// Waits for it to end (for short-lived helpers such as `ssh-keygen`) and says how it ended.
    func waitForExit() -> String {
        if ending == nil { ending = ChildExit.reap(pid, blocking: true) }
        return ending ?? ""
    }

    /// Sends SIGTERM to its process tree — its process group, and every descendant, including
    /// those that started a session of their own (as sshd's session processes do) — and waits up to
    /// `grace` for all of them to go, then SIGKILLs what is left. Returns once none is left (or
    /// after 5 s more, which only an unkillable process can cause). Safe to call again.
    func stop(grace: Duration) async {
        // Descendants outside the group are found by their parent, so look while the leader lives.
        var tree = Set(Self.liveTree(of: pid))
        if isRunning { tree.insert(pid) }
        guard !tree.isEmpty else { return }
        kill(-pid, SIGTERM)
        for member in tree { kill(member, SIGTERM) }
        if await !waitForTree(tree, until: .now + grace) {
            kill(-pid, SIGKILL)
            for member in tree.union(Self.liveTree(of: pid)) where Self.isLive(member) { kill(member, SIGKILL) }
            _ = await waitForTree(tree, until: .now + .seconds(5))
        }
    }

    /// The last `lines` lines of its log, indented, for an error message.
    func logTail(lines: Int = 20) -> String {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        let tail = text.split(separator: "\n").suffix(lines)
        return tail.isEmpty ? "  (its log is empty)" : tail.map { "  | \($0)" }.joined(separator: "\n")
    }

    /// Reaps the leader and polls until nothing of `tree`, the group or its descendants is alive,
    /// or `deadline` passes.
    private func waitForTree(_ tree: Set<Int32>, until deadline: ContinuousClock.Instant) async -> Bool {
        while true {
            _ = isRunning
            if !tree.contains(where: Self.isLive) && Self.liveTree(of: pid).isEmpty { return true }
            if ContinuousClock.now >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// The live members of `leader`'s process group and their descendants.
    private static func liveTree(of leader: Int32) -> [Int32] {
        ProcessTree.members(procRoot: "/proc", leader: leader).filter(\.isLive).map(\.pid)
    }

    /// Whether `pid` exists and is not a zombie.
    private static func isLive(_ pid: Int32) -> Bool {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
        return ProcessTree.parseStat(text)?.isLive ?? false
    }
}
