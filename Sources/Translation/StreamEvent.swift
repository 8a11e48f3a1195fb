/// What happens in a streamed answer, in neutral terms: readers turn an upstream dialect's
/// events into these, writers turn these into the client's dialect.
public enum StreamEvent: Sendable, Equatable {
    /// The upstream's id and model for the answer, when it says.
    case started(id: String?, model: String?)
    /// Generated text.
    case text(String)
    /// Tool call number `index` (0, 1, … in order of appearance) begins.
    case toolCall(index: Int, id: String, name: String)
    /// More of tool call `index`'s arguments (JSON text, in pieces).
    case toolArguments(index: Int, String)
    /// The model stopped.
    case finished(StopReason)
    /// Token counts (may come after `finished`).
    case usage(Usage)
    /// The upstream reported an error inside the stream.
    case failed(String)
}
