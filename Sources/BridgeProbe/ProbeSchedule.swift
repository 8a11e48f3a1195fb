/// When each bridge is probed: at once when it is added, changed or asked for, then an interval
/// after its last probe ended, and never twice at once. Pure: the caller passes the time (as
/// `Watchdog` does), so tests drive it with instants of their choosing, and ``ProbeScheduler``'s
/// threads only carry out its steps.
public struct ProbeSchedule: Sendable {
    /// What a free worker does now.
    public enum Step: Sendable, Equatable {
        /// Probe `target` now, then report ``finished(_:at:)``.
        case probe(ProbeTarget)
        /// Nothing is due before `until`.
        case wait(until: ContinuousClock.Instant)
        /// Nothing is due until the schedule changes (no targets, or all of them in flight).
        case idle
    }

    /// The targets, by name.
    public private(set) var targets: [String: ProbeTarget]
    /// Whether ``start(at:)`` was called.
    public private(set) var started = false
    private var due: [String: ContinuousClock.Instant] = [:]
    /// Bridges being probed, with the due time each probe was started for.
    private var inFlight: [String: ContinuousClock.Instant] = [:]

    /// A schedule for `targets` (the first of two with one name counts); nothing is due before
    /// ``start(at:)``.
    public init(targets: [ProbeTarget]) {
        self.targets = Dictionary(targets.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Every bridge is due at `now`.
    public mutating func start(at now: ContinuousClock.Instant) {
        guard !started else { return }
        started = true
        for name in targets.keys { due[name] = now }
    }

    /// After a reload: a new or changed target is due at `now`, an unchanged one keeps its time,
    /// a removed one is probed no more.
    public mutating func replace(targets new: [ProbeTarget], at now: ContinuousClock.Instant) {
        let replaced = Dictionary(new.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for name in targets.keys where replaced[name] == nil { due.removeValue(forKey: name) }
        if started {
            for (name, target) in replaced where targets[name] != target { due[name] = now }
        }
        targets = replaced
    }

    /// The named bridge is due at `now` (its tunnel came up, say); if a probe of it is in flight,
    /// the next one follows at once.
    public mutating func probeSoon(_ name: String, at now: ContinuousClock.Instant) {
        guard started, targets[name] != nil else { return }
        due[name] = now
    }

    /// The step at `now`. A due bridge for which `mayProbe` says no (its tunnel is not up, so
    /// whoever holds the port is not the bridge) is sent nothing and is due an interval later.
    public mutating func next(at now: ContinuousClock.Instant, mayProbe: (String) -> Bool) -> Step {
        while let (name, when) = due.filter({ inFlight[$0.key] == nil }).min(by: { $0.value < $1.value }) {
            guard when <= now else { return .wait(until: when) }
            guard let target = targets[name] else {
                due.removeValue(forKey: name)
                continue
            }
            guard mayProbe(name) else {
                due[name] = now + target.interval
                continue
            }
            inFlight[name] = when
            return .probe(target)
        }
        return .idle
    }

    /// The probe of `name` ended at `now`: the next is an interval away, unless the bridge was
    /// asked for, changed or removed meanwhile.
    public mutating func finished(_ name: String, at now: ContinuousClock.Instant) {
        guard let startedFor = inFlight.removeValue(forKey: name), due[name] == startedFor, let target = targets[name] else { return }
        due[name] = now + target.interval
    }
}
