import Foundation
import Glibc
public import Logging
public import Platform
import Policy
import Synchronization

/// Runs a bridge's `command` and keeps it running — and loopback-only.
///
/// One dedicated thread (never the cooperative pool) spawns the command in its own process group
/// with stdin from `/dev/null`, logs its stdout and stderr line by line (metadata `bridge`,
/// `stream`), and restarts it with ``Backoff`` when it ends. Right after each start, and then for
/// as long as it runs, the listeners of every process in its group are checked: one that is not
/// loopback-only gets the whole group killed at once and the bridge `exposed`, never restarted —
/// only a new config (a new `ManagedBridge`) can bring it back.
///
/// States go to `onChange`, called on the bridge's thread in order, and to ``state``. Call
/// ``stop(grace:)`` before dropping a started bridge: the thread holds it until then.
public final class ManagedBridge: Sendable {
    /// The bridge's name from the config.
    public let name: String
    /// The program and its arguments.
    public let command: [String]
    private let logger: Logger
    private let procRoot: String
    private let checks: ExposureCheckSchedule
    private let backoff: Backoff
    private let onChange: @Sendable (ManagedBridgeState) -> Void
    private let current = Mutex<ManagedBridgeState>(.stopped)
    private let passedChecks = Atomic<Int>(0)
    private let lifecycle = Mutex<Lifecycle>(.idle)
    private let grace = Mutex<Duration>(.seconds(5))
    private let wake = StopSignal()
    private let done = DispatchSemaphore(value: 0)
    private let environment: ChildEnvironment
    /// `BRIDGEKEEPER_MANAGED=<daemon pid>:<name>`, in the environment of everything the command
    /// starts: how the scan finds a process that double-forked and left the group and the tree.
    let marker: String

    private enum Lifecycle {
        case idle, started, stopping, closed
    }

    /// What ended one run of the command.
    private enum Outcome {
        case ended(String)
        case exposed(String)
        case stopped
    }

    /// Makes a managed bridge; nothing runs until ``start()``.
    ///
    /// - Parameters:
    ///   - name: the bridge's name, logged as metadata `bridge`.
    ///   - command: the program (a path, or a name looked up in `PATH`) and its arguments.
    ///   - logger: where the command's output and the bridge's state changes go.
    ///   - procRoot: where procfs is mounted.
    ///   - checks: when the command's listeners are checked.
    ///   - backoff: restart delays; each delay is drawn from the upper half of its ceiling, so a
    ///     command that exits at once is restarted ever more slowly.
    ///   - onChange: called with every new state, in order, on the bridge's thread; keep it short and
    ///     never call ``stop(grace:)`` from it (stop waits for that thread).
    public init(
        name: String, command: [String], environment: ChildEnvironment = .ofThisProcess(),
        logger: Logger, procRoot: String = "/proc", checks: ExposureCheckSchedule = ExposureCheckSchedule(),
        backoff: Backoff = Backoff(), onChange: @escaping @Sendable (ManagedBridgeState) -> Void = { _ in }
    ) {
        self.name = name
        self.command = command
        marker = "\(Self.markerName)=\(getpid()):\(name)"
        var environment = environment
        environment.set(Self.markerName, "\(getpid()):\(name)")
        self.environment = environment
        var logger = logger
        logger[metadataKey: "bridge"] = "\(name)"
        self.logger = logger
        self.procRoot = procRoot
        self.checks = checks
        self.backoff = backoff
        self.onChange = onChange
    }

    /// The variable that marks a managed bridge's processes.
    static let markerName = "BRIDGEKEEPER_MANAGED"

    /// The current state.
    public var state: ManagedBridgeState { current.withLock { $0 } }

    /// How many checks of its processes' listeners have found them loopback-only, over the
    /// bridge's life: an event to follow ("several checks passed") instead of a span of time.
    public var passedExposureChecks: Int { passedChecks.load(ordering: .relaxed) }

    /// Whether the bridge's processes listen on loopback only right now, scanned on the calling
    /// thread; false once it was found exposed. A probe's answer is believed only after this: the
    /// bridge's own checks come every 250 ms at best, and an answer from a bridge listening on
    /// every interface must never count as its health. Unreadable listener tables count as loopback
    /// (the bridge's thread warns about them).
    public var listensOnlyOnLoopback: Bool {
        switch state {
        case .running(let pid): ProcessGroupScan.scan(procRoot: procRoot, leader: pid, marker: marker).exposed.isEmpty
        case .exposed: false
        case .starting, .backoff, .stopped: true
        }
    }

    /// Starts the bridge's thread; does nothing if it was started or stopped before.
    public func start() {
        let starting = lifecycle.withLock { lifecycle in
            guard case .idle = lifecycle else { return false }
            lifecycle = .started
            return true
        }
        guard starting else { return }
        DedicatedThread.start("bk-bridge-\(name)") { [self] in
            run()
            done.signal()
        }
    }

    /// Stops the bridge: SIGTERM to its process group, SIGKILL after `grace`, reaps it and waits for
    /// the thread to end. Blocks (call it off the cooperative pool); safe to call more than once.
    /// The state becomes `stopped`, unless it is `exposed`, which stays.
    public func stop(grace: Duration = .seconds(5)) {
        let mustWait = lifecycle.withLock { lifecycle in
            switch lifecycle {
            case .idle:
                lifecycle = .closed
                return false
            case .started:
                self.grace.withLock { $0 = grace }
                lifecycle = .stopping
                return true
            case .stopping: return true
            case .closed: return false
            }
        }
        wake.stop()
        guard mustWait else { return }
        done.wait()
        // Let any other caller waiting in stop() through as well.
        done.signal()
    }

    // MARK: The bridge's thread

    /// Carries out the lifecycle's actions until it finishes.
    private func run() {
        var lifecycle = ManagedBridgeLifecycle(backoff: backoff)
        var random = SystemRandomNumberGenerator()
        var running: BridgeProcess?
        var action = lifecycle.handle(wake.isStopped ? .stopRequested : .begin, random: &random)
        while true {
            if lifecycle.state != state { publish(lifecycle.state) }
            switch action {
            case .start where wake.isStopped:
                action = lifecycle.handle(.stopRequested, random: &random)
            case .start:
                do {
                    let process = try BridgeProcess(command: command, environment: environment, logger: logger)
                    running = process
                    logger.notice("bridge process started", metadata: ["pid": "\(process.pid)"])
                    action = lifecycle.handle(.began(pid: process.pid, at: process.startedAt), random: &random)
                } catch {
                    action = lifecycle.handle(.couldNotStart(error.message, at: .now), random: &random)
                }
            case .supervise:
                guard let process = running.take() else { preconditionFailure("supervise before a start") }
                switch supervise(process) {
                case .ended(let how):
                    action = lifecycle.handle(.ended(how, at: .now), random: &random)
                case .exposed(let reason):
                    logger.critical("bridge exposed: \(reason)")
                    action = lifecycle.handle(.exposed(reason), random: &random)
                case .stopped:
                    action = lifecycle.handle(.stopRequested, random: &random)
                }
            case .wait(let until):
                if case .backoff(_, let lastExit) = lifecycle.state {
                    logger.warning("bridge process \(lastExit); restarting in \(until - .now)", metadata: ["attempt": "\(lifecycle.attempt)"])
                }
                let stopped = wake.sleep(until - .now) || wake.isStopped
                action = lifecycle.handle(stopped ? .stopRequested : .backoffOver, random: &random)
            case .finish:
                return
            }
        }
    }

    /// Watches one run of the command until it ends, is found exposed, or a stop is requested.
    private func supervise(_ process: BridgeProcess) -> Outcome {
        var nextCheck = process.startedAt + checks.fastInterval
        var warnedUnverified = false
        while true {
            if let ending = process.reap() {
                // The leader is gone; what it left behind in its group must not hold the port.
                process.signalGroup(SIGKILL)
                process.drain()
                return .ended(ending)
            }
            if wake.isStopped {
                terminate(process)
                return .stopped
            }
            let now = ContinuousClock.now
            if now >= nextCheck {
                let scan = ProcessGroupScan.scan(procRoot: procRoot, leader: process.pid, marker: marker)
                let exposed = scan.exposed
                if !exposed.isEmpty {
                    // Kill first, explain after: every moment it listens, it is reachable.
                    process.signalGroup(SIGKILL)
                    for member in scan.members where member.group != process.pid && member.isLive { kill(member.pid, SIGKILL) }
                    process.reapBlocking()
                    process.drain()
                    let places = exposed.map { "\($0.listener) by \($0.owner)" }.joined(separator: ", ")
                    return .exposed(
                        "listening on \(places), reachable beyond loopback; its process group was killed and it stays down "
                            + "until the config changes: make it bind 127.0.0.1")
                }
                if scan.listeners == nil && !warnedUnverified {
                    logger.warning("cannot read \(procRoot)/net/tcp: the bridge's listeners are not being checked")
                    warnedUnverified = true
                }
                if scan.listeners != nil { passedChecks.add(1, ordering: .relaxed) }
                nextCheck = checks.next(after: now, startedAt: process.startedAt)
            }
            process.pump(timeout: max(.zero, min(nextCheck - .now, .milliseconds(200))), wake: wake.fd)
        }
    }

    /// SIGTERM to the group; waits up to the grace for the leader and the rest of its group to end,
    /// still logging their output; then SIGKILL to the group, and reaps the leader.
    private func terminate(_ process: BridgeProcess) {
        let deadline = ContinuousClock.now + grace.withLock { $0 }
        process.signalGroup(SIGTERM)
        while ContinuousClock.now < deadline {
            if process.reap() != nil {
                let members = ProcessTree.members(procRoot: procRoot, leader: process.pid, marker: marker)
                if !members.contains(where: \.isLive) { break }
            }
            process.pump(timeout: .milliseconds(50), wake: -1)
        }
        process.signalGroup(SIGKILL)
        for member in ProcessTree.members(procRoot: procRoot, leader: process.pid, marker: marker) where member.isLive {
            kill(member.pid, SIGKILL)
        }
        let how = process.reapBlocking()
        process.drain()
        logger.notice("bridge process stopped (\(how))", metadata: ["pid": "\(process.pid)"])
    }

    private func publish(_ state: ManagedBridgeState) {
        current.withLock { $0 = state }
        onChange(state)
    }
}
