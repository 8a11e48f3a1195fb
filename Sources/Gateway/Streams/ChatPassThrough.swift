import HTTPTypes
import NIOCore

/// A chat-completions stream from an OpenAI-style bridge to a chat client: events pass unchanged
/// (the usage chunk the gateway asked for is dropped when the client did not ask), and a stream
/// that breaks off or ends without `[DONE]` ends with an `upstream_disconnected` error event.
struct ChatPassThrough: StreamConversion {
    private var scanner: StreamUsageScanner
    private let bridge: String
    private(set) var errorCode: String?

    init(clientWantsUsage: Bool, bridge: String) {
        scanner = StreamUsageScanner(clientWantsUsage: clientWantsUsage)
        self.bridge = bridge
    }

    mutating func take(_ buffer: ByteBuffer) -> ByteBuffer { scanner.take(buffer) }

    mutating func end(failure: String?) -> [UInt8] {
        let rest = Array(scanner.finish().readableBytesView)
        let reason: String
        if let failure {
            reason = "bridge \(bridge) broke off the stream (\(failure))"
        } else if !scanner.sawDone {
            reason = "bridge \(bridge) ended the stream before finishing its answer"
        } else {
            return rest
        }
        errorCode = "upstream_disconnected"
        let error = GatewayError(.badGateway, code: "upstream_disconnected", type: "api_error", reason)
        return rest + Array("data: ".utf8) + error.body + Array("\n\n".utf8)
    }

    var keepAlive: [UInt8]? { nil }
    var usage: TokenUsage? { scanner.usage }
    var outputCharacters: Int { scanner.streamedCharacters }
}
