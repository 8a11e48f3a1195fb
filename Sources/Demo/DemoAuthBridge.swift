import Hummingbird
import Logging
import NIOCore
import Translation

/// The demo's second bridge: up, but its owner has not signed in. Every request gets 401 with
/// `{"status": "auth_required", "error": {"code": "auth_required", "message": hint}}`, the shape
/// real bridges use, so bridgekeeper's probe calls it `auth_required` and the gateway answers
/// `bridge_auth_required` with the hint.
enum DemoAuthBridge {
    /// What the bridge tells whoever asks.
    static let hint = "sign in on the bridge host: run `copilot login`"

    /// The application on 127.0.0.1 on a port the system picks; `onListening` hears the port.
    static func application(logger: Logger, onListening: @escaping @Sendable (Int) async -> Void) -> some ApplicationProtocol {
        let router = Router()
        let answer: @Sendable (Request, BasicRequestContext) async throws -> Response = { _, _ in
            DemoOpenAIBridge.json(
                .unauthorized,
                ["status": "auth_required", "error": ["message": .string(hint), "type": "authentication_error", "code": "auth_required"]])
        }
        router.get("**", use: answer)
        router.post("**", use: answer)
        return Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: nil),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) },
            logger: logger)
    }
}
