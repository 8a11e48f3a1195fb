import HTTPTypes
import Hummingbird

/// Checks a request's client key when the gateway has keys. Without keys (a loopback gateway may
/// have none) every request passes, unnamed.
struct ClientAuthentication: Sendable {
    let keys: ClientKeys?

    /// The key's name (nil without keys); throws 401 when keys are required and none matches.
    func keyName(of request: Request) throws(GatewayError) -> String? {
        guard let keys else { return nil }
        guard let name = keys.name(authorization: request.headers[.authorization], apiKey: request.headers[.init("x-api-key")!]) else {
            throw GatewayError(
                .unauthorized, code: "invalid_api_key", type: "authentication_error",
                "this gateway needs a client key: send it as 'Authorization: Bearer …' or 'x-api-key'")
        }
        return name
    }
}
