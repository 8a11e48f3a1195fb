import Synchronization

/// The conversations behind recent Responses API answers, so that a request can continue one with
/// `previous_response_id`: for each response the gateway produced, the chat messages of the whole
/// conversation up to and including the answer (without `instructions`, which the Responses API
/// does not carry over to the next response).
///
/// Each response belongs to the client key that asked for it (its owner): a request continues
/// only its own key's responses, and another key's id is as unknown as one never made. Kept in
/// memory only, bounded to `capacity` responses and `maxBytes` of conversation (as JSON): the
/// least recently used (recorded or continued) goes first; nothing survives a restart. Eviction
/// scans the entries, which is cheap at the sizes this is meant for (about a thousand).
public final class ResponseHistory: Sendable {
    /// How many responses are kept.
    public let capacity: Int
    /// How many bytes of conversation are kept, all owners together.
    public let maxBytes: Int
    private let state = Mutex(State())

    private struct Key: Hashable {
        var owner: String?
        var responseID: String
    }

    private struct State {
        var entries: [Key: Entry] = [:]
        var bytes = 0
        var clock: UInt64 = 0
    }

    private struct Entry {
        var messages: [JSON]
        var bytes: Int
        var lastUse: UInt64
    }

    /// The part of a history one owner (a client key's name; nil on a gateway without keys) sees.
    public struct Scope: Sendable {
        /// The whole history.
        public let history: ResponseHistory
        /// Whose responses these are.
        public let owner: String?

        /// See ``ResponseHistory/messages(for:owner:)``.
        public func messages(for responseID: String) -> [JSON]? { history.messages(for: responseID, owner: owner) }

        /// See ``ResponseHistory/record(_:for:owner:)``.
        public func record(_ messages: [JSON], for responseID: String) { history.record(messages, for: responseID, owner: owner) }
    }

    /// An empty history keeping the last `capacity` responses (at least one) and at most
    /// `maxBytes` of their conversations.
    public init(capacity: Int = 1000, maxBytes: Int = 64 << 20) {
        self.capacity = max(1, capacity)
        self.maxBytes = max(1, maxBytes)
    }

    /// What `owner` sees of this history.
    public func scope(_ owner: String?) -> Scope {
        Scope(history: self, owner: owner)
    }

    /// The conversation of `owner`'s response `responseID` (chat messages), or nil when it is not
    /// (or no longer) kept. Marks the response as recently used.
    public func messages(for responseID: String, owner: String? = nil) -> [JSON]? {
        let key = Key(owner: owner, responseID: responseID)
        return state.withLock { state in
            guard state.entries[key] != nil else { return nil }
            state.clock += 1
            state.entries[key]!.lastUse = state.clock
            return state.entries[key]!.messages
        }
    }

    /// Keeps `messages` as the conversation of `owner`'s response `responseID`, evicting the least
    /// recently used responses while the history is over its count or size. A conversation larger
    /// than `maxBytes` alone is not kept.
    public func record(_ messages: [JSON], for responseID: String, owner: String? = nil) {
        let key = Key(owner: owner, responseID: responseID)
        let bytes = messages.reduce(0) { $0 + $1.bytes.count }
        state.withLock { state in
            state.clock += 1
            state.bytes -= state.entries[key]?.bytes ?? 0
            state.entries[key] = Entry(messages: messages, bytes: bytes, lastUse: state.clock)
            state.bytes += bytes
            while state.entries.count > capacity || state.bytes > maxBytes,
                let oldest = state.entries.min(by: { $0.value.lastUse < $1.value.lastUse })
            {
                state.bytes -= oldest.value.bytes
                state.entries[oldest.key] = nil
            }
        }
    }

    /// How many responses are kept now.
    public var count: Int { state.withLock { $0.entries.count } }
}
