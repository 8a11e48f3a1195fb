import Hummingbird

/// Authenticates every `/v1` request by its client key when the gateway has keys, before anything
/// else happens: a request without a listed key is answered 401 in its dialect, counted as
/// refused and never written to the ledger. The key's name goes into the context.
struct ClientKeyMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext

    /// The keys; each request reads them once, when it arrives.
    let settings: CurrentSettings
    let refusals: RefusalCounter

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        do {
            context.key = try settings.current.authentication.keyName(of: request)
        } catch {
            refusals.refuse(.unauthorized)
            return error.response(in: Dialect(path: request.uri.path))
        }
        return try await next(request, context)
    }
}
