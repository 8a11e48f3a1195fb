/// How many rows `Store.prune(…)` deleted, per table.
public struct PruneCounts: Sendable, Equatable {
    /// Probe results.
    public var probes: Int
    /// Transitions.
    public var transitions: Int
    /// Resolved incidents.
    public var incidents: Int
    /// Delivered outbox messages.
    public var deliveredMessages: Int
    /// Ledger rows (`Store.pruneRequests(before:)`).
    public var requests: Int

    /// Counts as given.
    public init(probes: Int = 0, transitions: Int = 0, incidents: Int = 0, deliveredMessages: Int = 0, requests: Int = 0) {
        self.probes = probes
        self.transitions = transitions
        self.incidents = incidents
        self.deliveredMessages = deliveredMessages
        self.requests = requests
    }

    /// All rows deleted.
    public var total: Int { probes + transitions + incidents + deliveredMessages + requests }
}
