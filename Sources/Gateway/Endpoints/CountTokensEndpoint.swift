import Hummingbird
import NIOHTTP1
import NIOCore
import Translation

/// `POST /v1/messages/count_tokens`: passed through to the first usable Anthropic bridge of the
/// model's routes; where none can answer (the model routes to OpenAI-style bridges, or the
/// bridge has no such endpoint), the gateway's own estimate (`AnthropicTokenCounter`: about four
/// characters a token, a fixed count per image), marked with `"estimated": true`.
struct CountTokensEndpoint: Sendable {
    /// The models, bridges and keys; each request reads them once, when it arrives.
    let settings: CurrentSettings
    let router: UpstreamRouter
    let maxBodyBytes: Int

    func handle(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        let settings = settings.current
        let catalog = settings.catalog
        do {
            let client = try await ClientRequest(request, surface: .countTokens, maxBodyBytes: maxBodyBytes)
            guard let model = catalog.model(named: client.model) else {
                throw GatewayError.modelNotFound(client.model, known: catalog.models.map(\.id))
            }
            var body = client.json
            body["model"] = .string(model.id)
            let version = request.headers[.init("anthropic-version")!] ?? "2023-06-01"
            if let (answer, _) = try? await router.send(model: model.id, routes: model.routes, among: settings.bridges, purpose: .auxiliary, prepare: { bridge throws(GatewayError) in
                bridge.api == .anthropic
                    ? (UpstreamRouter.UpstreamCall(path: "/v1/messages/count_tokens", body: body.bytes, headers: [("anthropic-version", version)]), ())
                    : nil
            }), answer.response.status == .ok,
                let counted = try? await answer.response.body.collect(upTo: 1 << 20)
            {
                return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: counted))
            }
            var estimate = AnthropicTokenCounter.response(for: client.json)
            estimate["estimated"] = true
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: estimate.bytes)))
        } catch let error as GatewayError {
            return error.response(in: .anthropic)
        }
    }
}
