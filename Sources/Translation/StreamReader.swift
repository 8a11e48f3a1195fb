/// Reads one dialect's stream into neutral `StreamEvent`s, event by event.
public protocol StreamReader: Sendable {
    /// The neutral events in one SSE event.
    mutating func read(_ event: SSEEvent) -> [StreamEvent]
    /// Whether the stream's proper end was read (`[DONE]`, `message_stop`, `response.completed`).
    var isDone: Bool { get }
}

extension ChatStreamReader: StreamReader {}
