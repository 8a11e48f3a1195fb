import Foundation

/// A loopback OpenAI-compatible bridge (127.0.0.1, a free port) with deterministic answers, for
/// gateway and client tests. Records every request; the test can slow, pause, fail or cut its
/// streams (see ``FakeBridge``, which it shares with ``FakeAnthropicBridge``).
///
/// - `GET /v1/models`, `GET /v1/models/{id}`: the models it was given (`owned_by: "fake"`).
/// - `POST /v1/chat/completions`: the assistant echoes the last user message, `"echo: "` and its
///   words joined by single spaces; after a tool result (the last message has role `tool`) it
///   echoes the tool result instead. If the request has `tools` (and `tool_choice` is not
///   `"none"`) and the last message is a user message containing "weather", the answer is a call
///   of the first tool with arguments ``FakeBridge/toolCallArguments`` and id ``toolCallID``.
///   `"stream": true` answers with server-sent events as OpenAI does: one `chat.completion.chunk`
///   per word (the role in the first), tool-call arguments in three fragments, a chunk with the
///   `finish_reason`, the usage chunk (`"choices": []`) only when the request asked for
///   `stream_options.include_usage`, then `data: [DONE]`.
/// - `POST /v1/responses`: the Responses API, as a bridge with `responses = true` serves it: the
///   same echo as one `output_text` message, whole or as the official event stream (see
///   ``Response`` in `FakeOpenAIBridge+Responses.swift`).
/// - `GET /health`: `{"status":"ok"}`. Anything else: 404 with an OpenAI error object.
///
/// The token counts: `prompt_tokens` counts the words of every message's text (a string
/// `content`, or the `text` of its content parts; tool calls and other fields count nothing).
/// `completion_tokens` counts the words of the reply text, or, for a tool call, of
/// `"<name> <arguments>"` (2 for `get_weather` and ``FakeBridge/toolCallArguments``).
/// `total_tokens` is their sum.
///
/// One request per connection (`Connection: close`), one thread per connection. The model in a
/// request is not checked against ``FakeBridge/models``; answers name the requested model.
public final class FakeOpenAIBridge: FakeBridge, @unchecked Sendable {
    /// The id of every tool call the bridge makes.
    public static let toolCallID = "call_1"

    /// The id of parallel call `index` (`call_1`, `call_2`, …).
    public static func toolCallID(_ index: Int) -> String { "call_\(index + 1)" }

    // Guarded by the bridge's lock (`synchronized`).
    private var omitsUsage = false

    /// Listens on 127.0.0.1:0 and serves `models`.
    public init(models: [String] = ["fake-model"]) throws {
        try super.init(name: "FakeOpenAIBridge", models: models)
    }

    /// `http://127.0.0.1:PORT/v1`, the base URL OpenAI SDKs take.
    public var baseURL: String { url + "/v1" }

    /// Leaves `usage` out of completions and the usage chunk out of streams, as some bridges do.
    public var omitUsage: Bool {
        get { synchronized { omitsUsage } }
        set { synchronized { omitsUsage = newValue } }
    }

    // MARK: Serving

    override func answer(_ request: Request, path: String, number: Int, cutAfter: Int?, on fd: Int32) {
        switch (request.method, path) {
        case ("GET", "/v1/models"):
            let data = models.map(modelObject)
            respond(fd, ["object": "list", "data": data], cutAfterHalf: cutAfter != nil)
        case ("GET", _) where path.hasPrefix("/v1/models/"):
            let id = String(path.dropFirst("/v1/models/".count))
            if models.contains(id) {
                respond(fd, modelObject(id), cutAfterHalf: cutAfter != nil)
            } else {
                respondError(fd, status: 404, "The model '\(id)' does not exist", code: "model_not_found")
            }
        case ("POST", "/v1/chat/completions"):
            guard let body = request.json else {
                respondError(fd, status: 400, "The request body is not a JSON object", code: nil)
                return
            }
            let completion = Completion(request: body, id: "chatcmpl-fake-\(number)", fallbackModel: models.first ?? "fake-model")
            let omitUsage = omitUsage
            if body["stream"] as? Bool == true {
                let options = body["stream_options"] as? [String: Any]
                let includeUsage = options?["include_usage"] as? Bool == true && !omitUsage
                stream(fd, events: completion.events(includeUsage: includeUsage).map { "data: \($0)\n\n" }, cutAfter: cutAfter)
            } else {
                respond(fd, completion.object(includeUsage: !omitUsage), cutAfterHalf: cutAfter != nil)
            }
        case ("POST", "/v1/responses"):
            answerResponses(request, number: number, cutAfter: cutAfter, on: fd)
        default:
            respondError(fd, status: 404, "Unknown request URL: \(request.method) \(path)", code: "unknown_url")
        }
    }

    private func modelObject(_ id: String) -> [String: Any] {
        ["id": id, "object": "model", "created": Self.created, "owned_by": "fake"]
    }

    /// `object` as a 200 JSON answer.
    func respond(_ fd: Int32, _ object: [String: Any], cutAfterHalf: Bool) {
        HTTPResponseWriter.respond(fd, status: 200, body: HTTPResponseWriter.encode(object), cutAfterHalf: cutAfterHalf)
    }

    /// An OpenAI error object: `{"error": {"message", "type", "param", "code"}}`.
    func respondError(_ fd: Int32, status: Int, _ message: String, code: String?) {
        let error: [String: Any] = [
            "message": message, "type": "invalid_request_error", "param": NSNull(), "code": code ?? NSNull(),
        ]
        HTTPResponseWriter.respond(fd, status: status, body: HTTPResponseWriter.encode(["error": error]))
    }
}
