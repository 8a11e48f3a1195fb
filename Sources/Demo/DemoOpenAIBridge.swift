import Foundation
import Hummingbird
import Logging
import NIOCore
import Translation

/// The demo's OpenAI-compatible bridge on loopback: `GET /v1/models` lists `demo-model`, and
/// `POST /v1/chat/completions` answers from ``DemoResponder``, whole or streamed (a piece every
/// 40 ms, so the stream is visible), with usage.
enum DemoOpenAIBridge {
    /// The one model it serves.
    static let model = "demo-model"

    /// The application on 127.0.0.1 on a port the system picks; `onListening` hears the port.
    static func application(logger: Logger, onListening: @escaping @Sendable (Int) async -> Void) -> some ApplicationProtocol {
        let router = Router()
        router.get("/v1/models") { _, _ -> Response in
            let entry: JSON = ["id": .string(model), "object": "model", "created": .int(created), "owned_by": "bridgekeeper-demo"]
            return json(.ok, ["object": "list", "data": [entry]])
        }
        router.post("/v1/chat/completions") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 4 << 20)
            let parsed: JSON
            do {
                parsed = try JSONParser.parse(body.readableBytesView)
            } catch {
                return json(.badRequest, ["error": ["message": .string("the body is not JSON: \(error)"), "type": "invalid_request_error", "code": nil]])
            }
            let responder = DemoResponder(request: parsed)
            let id = "chatcmpl-demo-\(UUID().uuidString.prefix(8).lowercased())"
            let created = Int(Date().timeIntervalSince1970)
            guard responder.stream else { return json(.ok, responder.completion(id: id, created: created)) }
            let events = responder.events(id: id, created: created)
            let stream = ResponseBody { writer in
                for event in events {
                    try await writer.write(ByteBuffer(bytes: event.bytes))
                    try await Task.sleep(for: .milliseconds(40))
                }
                try await writer.finish(nil)
            }
            return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: stream)
        }
        return Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: nil),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) },
            logger: logger)
    }

    /// When the demo model was "created": fixed, so answers are stable.
    private static let created = 1_767_225_600

    /// A JSON response.
    static func json(_ status: HTTPResponse.Status, _ body: JSON) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body.bytes)))
    }
}
