/// What one event produced, written in one transaction by `Store.commit(_:)`: all of it or none.
public struct StoreBatch: Sendable, Equatable {
    /// State changes to append.
    public var transitions: [TransitionRecord]
    /// Incidents to insert (`id` nil) or overwrite (`id` set), in order.
    public var incidents: [IncidentRecord]
    /// Notifications to queue. A message with `incidentId` nil and `incidentKey` set is linked to
    /// the batch's incident with that key (an open one first), else to the open incident with that
    /// key already stored, else to none.
    public var outbox: [OutboxMessage]

    /// A batch; every part may be empty.
    public init(transitions: [TransitionRecord] = [], incidents: [IncidentRecord] = [], outbox: [OutboxMessage] = []) {
        self.transitions = transitions
        self.incidents = incidents
        self.outbox = outbox
    }

    /// Whether there is nothing to write.
    public var isEmpty: Bool { transitions.isEmpty && incidents.isEmpty && outbox.isEmpty }
}
