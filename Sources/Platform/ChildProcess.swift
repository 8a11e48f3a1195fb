import Foundation
public import Glibc
import Synchronization

/// A child process in a process group of its own (started by ``ProcessGroupSpawn``), with stdin
/// from `/dev/null` and stdout and stderr appended to a log file.
///
/// Its own group keeps a terminal's Ctrl-C away from it (the caller decides the order things stop
/// in); ``stop(grace:)`` reaches its whole process tree, also the processes that started sessions
/// of their own, as sshd's session processes do. Spawned with `posix_spawn`, not Foundation's
/// `Process`: sshd closes every inherited descriptor, which stalls `Process`'s exit monitoring.
///
/// ``stop(grace:)`` and ``waitForExit()`` block; from async code run them through ``BlockingWork``.
public final class ChildProcess: Sendable {
    /// Why a child could not be started: `cannot start sshd (/usr/sbin/sshd): No such file or directory`.
    public struct StartFailure: Error, CustomStringConvertible {
        public let description: String
    }

    /// What it runs, for messages: `sshd`, `bridgekeeper run`.
    public let name: String
    /// Its process id, which is also its process group.
    public let pid: pid_t
    /// The file its stdout and stderr go to.
    public let logPath: String
    /// `NAME=value` in the environment of everything it starts, if given: how ``stop(grace:)``
    /// finds a process that left both its group and its tree (a dead sshd's session processes,
    /// reparented to init).
    public let marker: String?
    private let ended = Mutex<String?>(nil)

    /// Spawns `arguments` with `environment` (nil: this process's whole environment), which holds
    /// `marker` when one is given. `executable` is the program's path, `arguments[0]` by default.
    public init(
        name: String, arguments: [String], executable: String? = nil, environment: ChildEnvironment? = nil, marker: String? = nil,
        logPath: String
    ) throws(StartFailure) {
        self.name = name
        self.logPath = logPath
        self.marker = marker
        guard let program = executable ?? arguments.first else { throw StartFailure(description: "cannot start \(name): no program") }
        do {
            pid = try ProcessGroupSpawn.spawn(
                arguments, executable: program, environment: environment, stdin: .null, stdout: .appending(to: logPath), stderr: .descriptor(1))
        } catch {
            throw StartFailure(description: "cannot start \(name) (\(program)): \(error)")
        }
    }

    /// How it ended (`exited with status 1`, `killed by signal 9`) once reaped; nil while it runs.
    public var ending: String? {
        ended.withLock { ending in
            if ending == nil { ending = ChildExit.reap(pid) }
            return ending
        }
    }

    /// Whether it still runs; reaps it once it has ended.
    public var isRunning: Bool { ending == nil }

    /// Waits for it to end (for short-lived helpers such as `ssh-keygen`) and says how it ended.
    /// The wait holds no lock: ``stop(grace:)`` from another thread still reaches it.
    public func waitForExit() -> String {
        if let ending { return ending }
        let reaped = ChildExit.reap(pid, blocking: true)
        return ended.withLock { ending in
            // Someone else may have reaped it meanwhile (then this wait saw ECHILD): theirs counts.
            if ending == nil { ending = reaped }
            return ending ?? ""
        }
    }

    /// The live processes of its tree other than itself: its group and every descendant.
    public var descendants: [pid_t] { liveTree().filter { $0 != pid } }

    /// Sends SIGTERM to its process tree — its process group, and every descendant, including
    /// those that started a session of their own — and waits up to `grace` for all of them to go,
    /// then SIGKILLs what is left. Returns once none is left (or after 5 s more, which only an
    /// unkillable process can cause). Safe to call again.
    public func stop(grace: Duration) {
        // Descendants outside the group are found by their parent, so look while the leader lives.
        var tree = Set(liveTree())
        if isRunning { tree.insert(pid) }
        guard !tree.isEmpty else { return }
        kill(-pid, SIGTERM)
        for member in tree { kill(member, SIGTERM) }
        if !waitForTree(tree, until: .now + grace) {
            kill(-pid, SIGKILL)
            for member in tree.union(liveTree()) where Self.isLive(member) { kill(member, SIGKILL) }
            _ = waitForTree(tree, until: .now + .seconds(5))
        }
    }

    /// The whole log so far.
    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// The last `lines` lines of its log, indented, for an error message.
    public func logTail(lines: Int = 20) -> String {
        let tail = log.split(separator: "\n").suffix(lines)
        return tail.isEmpty ? "  (its log is empty)" : tail.map { "  | \($0)" }.joined(separator: "\n")
    }

    /// Reaps the leader and polls until nothing of `tree`, the group or its descendants is alive,
    /// or `deadline` passes.
    private func waitForTree(_ tree: Set<pid_t>, until deadline: ContinuousClock.Instant) -> Bool {
        while true {
            _ = isRunning
            if !tree.contains(where: Self.isLive) && liveTree().isEmpty { return true }
            if ContinuousClock.now >= deadline { return false }
            Thread.sleep(forTimeInterval: 0.02)
        }
    }

    /// The live members of its process group, the processes carrying its marker, and their
    /// descendants.
    private func liveTree() -> [pid_t] {
        ProcessTree.members(procRoot: "/proc", leader: pid, marker: marker).filter(\.isLive).map(\.pid)
    }

    /// Whether `pid` exists and is not a zombie.
    private static func isLive(_ pid: pid_t) -> Bool {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
        return ProcessTree.parseStat(text)?.isLive ?? false
    }
}
