import Foundation
import Platform

/// Probes bridges at their intervals on a small pool of threads of its own (libcurl's `perform`
/// blocks, so it never runs on Swift's cooperative pool). Results go to `onResult`, on a pool
/// thread.
public final class ProbeScheduler: @unchecked Sendable {
    // @unchecked: every mutable field below is guarded by `condition`.
    private var targets: [String: ProbeTarget]
    private let onResult: @Sendable (ProbeResult) -> Void
    private let mayProbe: @Sendable (String) -> Bool
    private let maximumWorkers: Int
    private let condition = NSCondition()
    private var due: [String: ContinuousClock.Instant] = [:]
    private var inFlight: Set<String> = []
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
        self.targets = Dictionary(targets.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
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
        let now = ContinuousClock.now
        for name in targets.keys { due[name] = now }
        addWorkersLocked()
    }

    /// Probes `targets` from now on (after a reload): a new or changed target is probed at once,
    /// an unchanged one keeps its schedule, a removed one is probed no more.
    public func replace(targets new: [ProbeTarget]) {
        condition.lock()
        defer { condition.unlock() }
        let replaced = Dictionary(new.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for name in targets.keys where replaced[name] == nil { due.removeValue(forKey: name) }
        for (name, target) in replaced where targets[name] != target && started { due[name] = .now }
        targets = replaced
        guard started, !stopped else { return }
        addWorkersLocked()
        condition.broadcast()
    }

    /// Starts threads up to one per target, at most `maximumWorkers`; the caller holds `condition`.
    private func addWorkersLocked() {
        while workers < min(maximumWorkers, targets.count) {
            running += 1
            DedicatedThread.start("bk-probe-\(workers)") { [self] in work() }
            workers += 1
        }
    }

    /// Probes the named bridge as soon as a thread is free (e.g. when its tunnel came up).
    public func probeSoon(_ name: String) {
        condition.lock()
        defer { condition.unlock() }
        guard targets[name] != nil else { return }
        due[name] = .now
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

    private func work() {
        condition.lock()
        defer {
            running -= 1
            condition.broadcast()
            condition.unlock()
        }
        while !stopped {
            let next = due.filter { !inFlight.contains($0.key) }.min { $0.value < $1.value }
            guard let (name, when) = next else {
                condition.wait()
                continue
            }
            let now = ContinuousClock.now
            guard when <= now else {
                let wait = now.duration(to: when)
                _ = condition.wait(until: Date().addingTimeInterval(wait.timeInterval))
                continue
            }
            guard let target = targets[name] else {
                due.removeValue(forKey: name)
                continue
            }
            guard mayProbe(name) else {
                due[name] = now + target.interval
                continue
            }
            inFlight.insert(name)
            condition.unlock()
            let result = target.probe()
            onResult(result)
            condition.lock()
            inFlight.remove(name)
            // Unless probeSoon() asked again while this one ran, the next probe is an interval away.
            if due[name] == when { due[name] = .now + target.interval }
        }
    }
}
