import Synchronization

/// The gateway's current ``GatewayRoutes``, swapped whole by a reload: requests read a snapshot
/// (``current``) once, so the ones in flight keep theirs while new ones get the new set.
final class RouteTable: Sendable {
    private let routes: Mutex<GatewayRoutes>

    /// A table holding `routes`.
    init(_ routes: GatewayRoutes) {
        self.routes = Mutex(routes)
    }

    /// The routes new requests use.
    var current: GatewayRoutes { routes.withLock { $0 } }

    /// Makes `routes` the ones new requests use.
    func replace(with routes: GatewayRoutes) {
        self.routes.withLock { $0 = routes }
    }
}
