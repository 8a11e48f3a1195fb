import Foundation
import Platform

/// Probes bridges at their intervals on a small pool of threads of its own (libcurl's `perform`
/// blocks, so it never runs on Swift's cooperative pool). Results go to `onResult`, on a pool
/// thread.
public final class ProbeScheduler: Sendable {
    private struct State {
        var schedule: ProbeSchedule
        var stopped = false
        var workers = 0
        var running = 0
    }

    private let state: GuardedState<State>
    private let onResult: @Sendable (ProbeResult) -> Void
    private let mayProbe: @Sendable (String) -> Bool
    private let maximumWorkers: Int

    /// A scheduler for `targets` with up to `workers` probes at once (at most one per bridge). A
    /// bridge for which `mayProbe` says no when it is due (its tunnel is not up: whoever holds the
    /// port is not the bridge) is not sent anything, and is due again an interval later.
    public init(
        targets: [ProbeTarget], workers: Int = 4, mayProbe: @escaping @Sendable (String) -> Bool = { _ in true },
        onResult: @escaping @Sendable (ProbeResult) -> Void
    ) {
        state = GuardedState(State(schedule: ProbeSchedule(targets: targets)))
        self.onResult = onResult
        self.mayProbe = mayProbe
        maximumWorkers = max(1, workers)
    }

    /// Starts the pool; every bridge is probed at once, then at its interval.
    public func start() {
        state.change { state in
            guard !state.schedule.started, !state.stopped else { return }
            state.schedule.start(at: .now)
            addWorkers(&state)
        }
    }

    /// Probes `targets` from now on (after a reload): a new or changed target is probed at once,
    /// an unchanged one keeps its schedule, a removed one is probed no more.
    public func replace(targets new: [ProbeTarget]) {
        state.change { state in
            state.schedule.replace(targets: new, at: .now)
            guard state.schedule.started, !state.stopped else { return }
            addWorkers(&state)
        }
    }

    /// Starts threads up to one per target, at most `maximumWorkers`.
    private func addWorkers(_ state: inout State) {
        while state.workers < min(maximumWorkers, state.schedule.targets.count) {
            state.running += 1
            DedicatedThread.start("bk-probe-\(state.workers)") { [self] in work() }
            state.workers += 1
        }
    }

    /// Probes the named bridge as soon as a thread is free (e.g. when its tunnel came up).
    public func probeSoon(_ name: String) {
        state.change { $0.schedule.probeSoon(name, at: .now) }
    }

    /// Stops the pool and waits for probes in flight (each ends within its timeout).
    public func stop() {
        state.change { $0.stopped = true }
        state.wait { $0.running > 0 ? .wait(until: nil) : .done(()) }
    }

    /// A worker: carries out the schedule's steps until stopped.
    private func work() {
        while let target = nextProbe() {
            onResult(target.probe())
            state.change { $0.schedule.finished(target.name, at: .now) }
        }
        state.change { $0.running -= 1 }
    }

    /// The next target to probe, waiting until one is due; nil once stopped.
    private func nextProbe() -> ProbeTarget? {
        state.wait { state in
            guard !state.stopped else { return .done(nil) }
            switch state.schedule.next(at: .now, mayProbe: mayProbe) {
            case .idle: return .wait(until: nil)
            case .wait(let until): return .wait(until: until)
            case .probe(let target): return .done(target)
            }
        }
    }
}
