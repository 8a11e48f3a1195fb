import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// `GET /v1/models`: canonical ids only (aliases are accepted in requests, not listed), each with
/// its availability in a `bridgekeeper` extension field: whether any route can serve it now, and
/// each route's state.
struct ModelsEndpoint: Sendable {
    /// The models; each request reads them once, when it arrives.
    let settings: CurrentSettings
    let availability: any AvailabilitySource
    /// Limits and open circuits of one model on one bridge.
    let health: RouteHealth

    func handle(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        let settings = settings.current
        var data: [[String: Any]] = []
        for model in settings.catalog.models {
            var routes: [[String: Any]] = []
            for bridge in model.routes {
                switch await availability.availability(of: bridge) {
                case .usable:
                    if let refusal = health.refusal(bridge: bridge, model: model.id) {
                        var route: [String: Any] = ["bridge": bridge, "usable": false, "code": refusal.code, "reason": refusal.message]
                        if let until = refusal.until { route["until"] = RouteHealth.time(until) }
                        routes.append(route)
                    } else {
                        routes.append(["bridge": bridge, "usable": true])
                    }
                case .unusable(let code, let hint, let until):
                    var route: [String: Any] = ["bridge": bridge, "usable": false, "code": code, "reason": hint]
                    if let until { route["until"] = RouteHealth.time(until) }
                    routes.append(route)
                }
            }
            data.append([
                "id": model.id, "object": "model", "created": 0, "owned_by": "bridgekeeper",
                "bridgekeeper": ["available": routes.contains { $0["usable"] as? Bool == true }, "routes": routes],
            ])
        }
        let body = try JSONSerialization.data(withJSONObject: ["object": "list", "data": data], options: [.sortedKeys])
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
