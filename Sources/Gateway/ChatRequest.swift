import Foundation
import Hummingbird
import NIOCore

/// A chat-completions request as the gateway needs it: read within the size limit, parsed, with
/// bad input refused naming the problem.
struct ChatRequest {
    /// The body as a JSON object.
    var object: [String: Any]
    /// The model asked for (id or alias).
    let model: String
    /// Whether the client asked for a stream.
    let stream: Bool
    /// Whether the client asked for usage on its stream itself.
    let clientWantsUsage: Bool
    /// The body's size, for a token estimate.
    let characters: Int
    /// The body as it came.
    private let original: Data

    init(_ request: Request, maxBodyBytes: Int) async throws {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maxBodyBytes)
        } catch is NIOTooManyBytesError {
            throw GatewayError.tooLarge(limit: maxBodyBytes)
        }
        let data = Data(buffer.readableBytesView)
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw GatewayError.invalid("the body is not valid JSON: \(Self.describe(error))")
        }
        guard let object = parsed as? [String: Any] else { throw GatewayError.invalid("the body must be a JSON object") }
        guard let model = object["model"] as? String, !model.isEmpty else {
            throw GatewayError.invalid("'model' is required and must be a string")
        }
        guard object["messages"] is [Any] else { throw GatewayError.invalid("'messages' is required and must be an array") }
        if let stream = object["stream"], !(stream is Bool) { throw GatewayError.invalid("'stream' must be true or false") }
        self.object = object
        self.model = model
        stream = object["stream"] as? Bool ?? false
        clientWantsUsage = (object["stream_options"] as? [String: Any])?["include_usage"] as? Bool ?? false
        characters = data.count
        original = data
    }

    /// The body for the bridge: the canonical model id, and on streams a request for usage.
    func upstreamBody(model id: String) -> [UInt8] {
        // Most requests need no change: pass them on byte for byte, without re-serialising.
        if model == id && (!stream || clientWantsUsage) { return Array(original) }
        var object = object
        object["model"] = id
        if stream {
            var options = object["stream_options"] as? [String: Any] ?? [:]
            options["include_usage"] = true
            object["stream_options"] = options
        }
        return Array((try? JSONSerialization.data(withJSONObject: object)) ?? Data())
    }

    /// Foundation's JSON errors carry the position in `NSDebugDescription`.
    private static func describe(_ error: any Error) -> String {
        let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String
        return detail ?? "\(error)"
    }
}
