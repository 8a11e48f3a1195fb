/// Writes neutral `StreamEvent`s as one dialect's stream, for the client.
public protocol StreamWriter: Sendable {
    /// The client's events for one neutral event (none while the writer holds something back).
    mutating func write(_ event: StreamEvent) -> [SSEEvent]
    /// The upstream ended: cleanly (`failure` nil, after its proper end) or not (why); the last
    /// events. A failure ends in the dialect's error event, never in its clean end.
    mutating func end(failure: String?) -> [SSEEvent]
    /// The event that keeps the client's connection alive in long upstream silence, if the
    /// dialect has one (Anthropic's `ping`).
    var keepAlive: SSEEvent? { get }
}
