/// What one probe says about a bridge, before hysteresis: a state, why, and the bridge's own words.
public struct ProbeVerdict: Sendable, Equatable {
    /// The state this probe alone points to.
    public var state: BridgeState
    /// Why, in bridgekeeper's words (`"connection refused"`, `"GET /v1/models answered 503"`).
    public var reason: String
    /// What the bridge said, where it said something useful (e.g. "Set MICROSOFT_CLIENT_ID or
    /// M365_COPILOT_ACCESS_TOKEN.").
    public var message: String?
    /// The HTTP status, when there was a response.
    public var httpStatus: Int?

    /// Makes a verdict.
    public init(_ state: BridgeState, reason: String, message: String? = nil, httpStatus: Int? = nil) {
        self.state = state
        self.reason = reason
        self.message = message
        self.httpStatus = httpStatus
    }
}
