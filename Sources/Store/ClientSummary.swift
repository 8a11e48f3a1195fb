public import Foundation

/// One client app seen by the gateway, for the dashboard's clients list.
public struct ClientSummary: Sendable, Equatable, Codable {
    /// The client app, as in `RequestRecord.clientApp`.
    public var clientApp: String
    /// When its latest request arrived.
    public var lastSeen: Date
    /// How many of its requests the ledger holds.
    public var requests: Int
    /// The distinct client keys (by name) that used it, sorted; requests without a key add none.
    public var keys: [String]
    /// The distinct `X-Caller` labels it sent, sorted; requests without one add none.
    public var callers: [String]

    /// A summary as given.
    public init(clientApp: String, lastSeen: Date, requests: Int, keys: [String] = [], callers: [String]) {
        self.clientApp = clientApp
        self.lastSeen = lastSeen
        self.requests = requests
        self.keys = keys
        self.callers = callers
    }
}
