public import Foundation
import Platform
public import Store

/// How long the database keeps what it records. Open incidents and undelivered webhook messages
/// are kept whatever their age, and so is the newest transition of every bridge and tunnel.
public struct Retention: Sendable, Equatable {
    /// Probe results (one row per probe: the bulk of the database).
    public var probes: Duration = .seconds(7 * 86400)
    /// State transitions.
    public var transitions: Duration = .seconds(90 * 86400)
    /// Incidents, counted from their resolution.
    public var resolvedIncidents: Duration = .seconds(90 * 86400)
    /// Delivered webhook messages.
    public var deliveredMessages: Duration = .seconds(30 * 86400)
    /// The gateway's request ledger.
    public var requests: Duration = .seconds(90 * 86400)

    /// The defaults: probes 7 days, transitions, resolved incidents and the request ledger 90
    /// days, delivered messages 30 days.
    public init() {}

    /// Deletes what is older than these periods at `now`.
    public func prune(_ store: Store, now: Date) throws(StoreError) -> PruneCounts {
        var counts = try store.prune(
            probesBefore: now.addingTimeInterval(-probes.timeInterval),
            transitionsBefore: now.addingTimeInterval(-transitions.timeInterval),
            resolvedBefore: now.addingTimeInterval(-resolvedIncidents.timeInterval),
            deliveredBefore: now.addingTimeInterval(-deliveredMessages.timeInterval))
        counts.requests = try store.pruneRequests(before: now.addingTimeInterval(-requests.timeInterval))
        return counts
    }
}
