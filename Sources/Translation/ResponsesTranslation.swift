/// A Responses API request translated for a chat-completions bridge: what to send upstream, and
/// what the answer needs later (the client's request, echoed in the response object, and the
/// conversation to remember for `previous_response_id`).
public struct ResponsesTranslation: Sendable, Equatable {
    /// The OpenAI chat completions request to send to the bridge.
    public let chatRequest: JSON
    /// The Responses request as the client sent it.
    public let request: JSON
    /// The chat messages of the conversation so far: the previous response's conversation, then
    /// this request's input (the `instructions` system message excluded).
    public let conversation: [JSON]

    /// Whether the answer may be remembered for a later `previous_response_id`: unless the client
    /// sent `store: false`, as the official API does.
    public var isStored: Bool { request["store"]?.bool != false }
}
