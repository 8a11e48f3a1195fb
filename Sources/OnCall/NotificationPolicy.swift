import Platform
/// When the incident book reminds and when it calls a bridge flapping.
public struct NotificationPolicy: Sendable, Equatable {
    /// Reminder offsets from an incident's opening, in order.
    public var reminders: [Duration]
    /// After the last offset, one reminder every this long.
    public var repeatEvery: Duration
    /// A bridge changing state more than this many times within `flapWindow` is flapping.
    public var flapThreshold: Int
    /// The flapping window; a flapping bridge or tunnel settles after this long without a change.
    public var flapWindow: Duration
    /// A flapping subject bad for this long settles bad, paging: damping never swallows an outage
    /// longer than this.
    public var flapOutage: Duration
    /// How long a bridge behind a tunnel that went bad is held before it pages, so that its tunnel,
    /// if that is what failed, is found down first and the outage is one incident: the tunnel's
    /// detection time. Zero pages at once.
    public var tunnelDetection: Duration
    /// After a start, how long a tunnel or bridge that has not been good yet may take to come up
    /// before its bad state pages (a gateway host started before its peer); zero pages at once.
    /// Exposure and hijacking always page at once.
    public var startupGrace: Duration

    /// Makes a policy; the defaults are 1 h, 4 h, 12 h, 24 h, then every 24 h, more than 4 changes
    /// in 10 min, an outage of 1 min pages while flapping, no tunnel hold and no startup grace.
    public init(
        reminders: [Duration] = [.seconds(3600), .seconds(4 * 3600), .seconds(12 * 3600), .seconds(24 * 3600)],
        repeatEvery: Duration = .seconds(24 * 3600), flapThreshold: Int = 4, flapWindow: Duration = .seconds(600),
        flapOutage: Duration = .seconds(60), tunnelDetection: Duration = .zero, startupGrace: Duration = .zero
    ) {
        self.reminders = reminders
        self.repeatEvery = repeatEvery
        self.flapThreshold = flapThreshold
        self.flapWindow = flapWindow
        self.flapOutage = flapOutage
        self.tunnelDetection = tunnelDetection
        self.startupGrace = startupGrace
    }

    /// Seconds from opening to reminder number `index` (0-based).
    func reminderOffset(_ index: Int) -> Double {
        if index < reminders.count { return reminders[index].timeInterval }
        let last = reminders.last?.timeInterval ?? 0
        return last + Double(index - reminders.count + 1) * max(repeatEvery.timeInterval, 1)
    }

    /// How many reminder offsets have passed `elapsed` seconds after opening.
    func remindersDue(after elapsed: Double) -> Int {
        var count = 0
        while reminderOffset(count) <= elapsed { count += 1 }
        return count
    }
}
