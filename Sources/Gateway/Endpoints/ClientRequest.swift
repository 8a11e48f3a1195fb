import Hummingbird
import NIOCore
import Translation

/// A client's request body as the gateway needs it: read within the size limit, parsed (keeping
/// key order), with bad input refused naming the problem.
struct ClientRequest: Sendable {
    /// The body.
    let json: JSON
    /// The model asked for (id or alias).
    let model: String
    /// Whether the client asked for a stream.
    let stream: Bool
    /// The body as it came, passed on unchanged where nothing needs changing.
    let original: [UInt8]

    init(_ request: Request, surface: Surface, maxBodyBytes: Int) async throws(GatewayError) {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maxBodyBytes)
        } catch is NIOTooManyBytesError {
            throw GatewayError.tooLarge(limit: maxBodyBytes)
        } catch {
            throw GatewayError.invalid("the request body could not be read")
        }
        original = Array(buffer.readableBytesView)
        do {
            json = try JSONParser.parse(original)
        } catch {
            throw GatewayError.invalid("the body is not valid JSON: \(error)")
        }
        guard json.object != nil else { throw GatewayError.invalid("the body must be a JSON object") }
        guard let model = json["model"]?.string, !model.isEmpty else {
            throw GatewayError.invalid("'model' is required and must be a string")
        }
        let conversation = json[surface.conversationKey]
        if surface == .responses {
            guard conversation?.string != nil || conversation?.array != nil else {
                throw GatewayError.invalid("'input' is required and must be a string or an array")
            }
        } else if conversation?.array == nil {
            throw GatewayError.invalid("'\(surface.conversationKey)' is required and must be an array")
        }
        if let stream = json["stream"], stream.bool == nil, !stream.isNull { throw GatewayError.invalid("'stream' must be true or false") }
        self.model = model
        stream = json["stream"]?.bool ?? false
    }

    /// Whether a chat client asked for usage on its stream itself.
    var clientWantsUsage: Bool { json["stream_options"]?["include_usage"]?.bool ?? false }
}
