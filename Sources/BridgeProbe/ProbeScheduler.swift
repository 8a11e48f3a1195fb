import Foundation
import Platform

/// Probes bridges at their intervals on a small pool of threads of its own (libcurl's `perform`
/// blocks, so it never runs on Swift's cooperative pool). Results go to `onResult`, on a pool
/// thread.
public final class ProbeScheduler: @unchecked Sendable {
    // @unchecked: every mutable field below is guarded by `condition`.
    private var schedule: ProbeSchedule
    private let onResult: @Sendable (ProbeResult) -> Void
    private let mayProbe: @Sendable (String) -> Bool
    private let maximumWorkers: Int
    private let condition = NSCondition()
    private var started = false
    private var stopped = false
    private var workers = 0
    private var running = 0

    /// A scheduler for `targets` with up to `workers` probes at once (at most one per bridge). A
    /// bridge for which `mayProbe` says no when it is due (its tunnel is not up: whoever holds the
    /// port is not the bridge) is not sent anything, and is due again an interval later.
    public init(
        targets: [ProbeTarget], workers: Int = 4, mayProbe: @escaping @Sendable (String) -> Bool = { _ in true },
        onResult: @escaping @Sendable (ProbeResult) -> Void
    ) {
        schedule = ProbeSchedule(targets: targets)
        self.onResult = onResult
        self.mayProbe = mayProbe
        maximumWorkers = max(1, workers)
    }

    /// Starts the pool; every bridge is probed at once, then at its interval.
    public func start() {
        condition.lock()
        defer { condition.unlock() }
        guard !started, !stopped else { return }
        started = true
        schedule.start(at: .now)
        addWorkersLocked()
    }

    /// Probes `targets` from now on (after a reload): a new or changed target is probed at once,
    /// an unchanged one keeps its schedule, a removed one is probed no more.
    public func replace(targets new: [ProbeTarget]) {
        condition.lock()
        defer { condition.unlock() }
        schedule.replace(targets: new, at: .now)
        guard started, !stopped else { return }
        addWorkersLocked()
        condition.broadcast()
    }

    /// Starts threads up to one per target, at most `maximumWorkers`; the caller holds `condition`.
    private func addWorkersLocked() {
        while workers < min(maximumWorkers, schedule.targets.count) {
            running += 1
            DedicatedThread.start("bk-probe-\(workers)") { [self] in work() }
            workers += 1
        }
    }

    /// Probes the named bridge as soon as a thread is free (e.g. when its tunnel came up).
    public func probeSoon(_ name: String) {
        condition.lock()
        defer { condition.unlock() }
        schedule.probeSoon(name, at: .now)
        condition.broadcast()
    }

    /// Stops the pool and waits for probes in flight (each ends within its timeout).
    public func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        while running > 0 { condition.wait() }
        condition.unlock()
    }

    /// A worker: carries out the schedule's steps until stopped.
    private func work() {
        condition.lock()
        defer {
            running -= 1
            condition.broadcast()
            condition.unlock()
        }
        while !stopped {
            switch schedule.next(at: .now, mayProbe: mayProbe) {
            case .idle:
                condition.wait()
            case .wait(let until):
                _ = condition.wait(until: Date().addingTimeInterval(ContinuousClock.now.duration(to: until).timeInterval))
            case .probe(let target):
                condition.unlock()
                onResult(target.probe())
                condition.lock()
                schedule.finished(target.name, at: .now)
            }
        }
    }
}
