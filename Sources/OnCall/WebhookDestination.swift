/// One webhook on-call is told through. Its URL may carry a token, so it is never printed.
public struct WebhookDestination: Sendable, Equatable {
    /// A webhook's message format.
    public enum Format: String, Sendable, CaseIterable {
        case ntfy, slack, json
    }

    /// Unique name; outbox messages name their webhook by it.
    public let name: String
    /// Where notifications are posted.
    public let url: String
    /// Message format.
    public let format: Format

    public init(name: String, url: String, format: Format) {
        self.name = name
        self.url = url
        self.format = format
    }
}
