import Hummingbird

/// A gateway request's context: Hummingbird's core storage and, once ``ClientKeyMiddleware`` has
/// authenticated the request, the name of its client key.
struct GatewayRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The client key's name; nil on a gateway without keys (loopback only) and before
    /// authentication.
    var key: String?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }
}
