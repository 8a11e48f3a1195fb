import Synchronization

/// The conversations behind recent Responses API answers, so that a request can continue one with
/// `previous_response_id`: for each response the gateway produced, the chat messages of the whole
/// conversation up to and including the answer (without `instructions`, which the Responses API
/// does not carry over to the next response).
///
/// Kept in memory only and bounded to `capacity` responses: the least recently used (recorded or
/// continued) goes first; nothing survives a restart. Eviction scans the entries, which is cheap at
/// the sizes this is meant for (about a thousand).
public final class ResponseHistory: Sendable {
    /// How many responses are kept.
    public let capacity: Int
    private let state = Mutex(State())

    private struct State {
        var entries: [String: Entry] = [:]
        var clock: UInt64 = 0
    }

    private struct Entry {
        var messages: [JSON]
        var lastUse: UInt64
    }

    /// An empty history keeping the last `capacity` responses (at least one).
    public init(capacity: Int = 1000) {
        self.capacity = max(1, capacity)
    }

    /// The conversation of response `responseID` (chat messages), or nil when it is not (or no
    /// longer) kept. Marks the response as recently used.
    public func messages(for responseID: String) -> [JSON]? {
        state.withLock { state in
            guard state.entries[responseID] != nil else { return nil }
            state.clock += 1
            state.entries[responseID]!.lastUse = state.clock
            return state.entries[responseID]!.messages
        }
    }

    /// Keeps `messages` as the conversation of response `responseID`, evicting the least recently
    /// used response when the history is full.
    public func record(_ messages: [JSON], for responseID: String) {
        state.withLock { state in
            state.clock += 1
            state.entries[responseID] = Entry(messages: messages, lastUse: state.clock)
            guard state.entries.count > capacity,
                let oldest = state.entries.min(by: { $0.value.lastUse < $1.value.lastUse })?.key
            else { return }
            state.entries[oldest] = nil
        }
    }

    /// How many responses are kept now.
    public var count: Int { state.withLock { $0.entries.count } }
}
