public import Foundation

/// One client app seen by the gateway, for the dashboard's clients list.
public struct ClientSummary: Sendable, Equatable, Codable {
    /// The client app, as in `RequestRecord.clientApp`.
    public var clientApp: String
    /// When its latest request arrived.
    public var lastSeen: Date
    /// How many of its requests the ledger holds.
    public var requests: Int
    /// The distinct callers that used it, sorted; requests without a caller add none.
    public var callers: [String]

    /// A summary as given.
    public init(clientApp: String, lastSeen: Date, requests: Int, callers: [String]) {
        self.clientApp = clientApp
        self.lastSeen = lastSeen
        self.requests = requests
        self.callers = callers
    }
}
