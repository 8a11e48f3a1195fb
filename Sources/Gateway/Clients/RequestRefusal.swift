/// Why a request was turned away before it was authenticated: counted in
/// `bridgekeeper_gateway_rejected_total{reason}`, logged at a limited rate, never a ledger row.
public enum RequestRefusal: String, Sendable, CaseIterable {
    /// Its `Host` names something other than the endpoint (421).
    case foreignHost = "foreign_host"
    /// Its body is not sent as JSON (415).
    case notJSON = "not_json"
    /// It carried no client key the gateway knows (401).
    case unauthorized
    /// The gateway already held `max_connections` connections (503).
    case tooManyConnections = "too_many_connections"
    /// Its head or body took longer than `request_timeout` to arrive (connection closed).
    case slowRequest = "slow_request"
}
