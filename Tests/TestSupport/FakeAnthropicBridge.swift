import Foundation

/// A loopback bridge that speaks the Anthropic Messages API (127.0.0.1, a free port) with
/// deterministic answers, for gateway and client tests. Records every request (header names
/// lowercased, so `requests[i].headers["anthropic-version"]` and `["anthropic-beta"]` show what a
/// proxy forwarded); the test can slow, pause, fail or cut its streams (see ``FakeBridge``, which
/// it shares with ``FakeOpenAIBridge``). Anthropic SDKs take ``FakeBridge/url`` as their base URL.
///
/// - `POST /v1/messages` (a query such as `?beta=true` is ignored): validated as Anthropic does,
///   with 400 `invalid_request_error` for a missing `anthropic-version` header, a body that is not
///   a JSON object, or a missing `model`, `max_tokens` or `messages`; any `x-api-key` (or none)
///   is accepted. The assistant echoes the last user message (``FakeBridge/replyText(echoing:)``),
///   or, when that message carries `tool_result` blocks, the tool results' text. If the request
///   has `tools` (and `tool_choice` is not `{"type": "none"}`) and the last message is a user
///   message without tool results whose text contains "weather", the answer is a `tool_use` block
///   calling the first tool with id ``toolUseID`` and input ``FakeBridge/toolCallArguments``
///   (`stop_reason` `"tool_use"`, else `"end_turn"`).
///   `"stream": true` answers with Anthropic's named server-sent events: `message_start`
///   (`usage.output_tokens` 1), `content_block_start`, `ping`, one `content_block_delta` per word
///   (`text_delta`), or the input in three `input_json_delta` fragments, `content_block_stop`,
///   `message_delta` (`stop_reason`, `usage.output_tokens`), `message_stop`.
/// - `POST /v1/messages/count_tokens`: `{"input_tokens": N}`, validated like a message request
///   (no `max_tokens` needed); 404 `not_found_error` while ``countTokensAvailable`` is `false`.
/// - `GET /v1/models`, `GET /v1/models/{id}`: the models it was given, as Anthropic lists them.
///   GET requests need no `anthropic-version`, so plain probes succeed.
/// - `GET /health`: `{"status":"ok"}`. Anything else: 404 with an Anthropic error object.
///
/// The token counts: `input_tokens` counts the words of the `system` prompt and of every
/// message's text (a string `content`, the `text` of its text blocks, the content of its
/// `tool_result` blocks; `tool_use` blocks and other fields count nothing), so a conversation
/// costs what it costs in ``FakeOpenAIBridge``'s `prompt_tokens`. `output_tokens` counts the
/// words of the reply text, or, for a tool call, of `"<name> <input>"` (2 for `get_weather`).
///
/// One request per connection (`Connection: close`), one thread per connection. The model in a
/// request is not checked against ``FakeBridge/models``; answers name the requested model.
public final class FakeAnthropicBridge: FakeBridge, @unchecked Sendable {
    /// The id of every `tool_use` block the bridge answers with.
    public static let toolUseID = "toolu_fake_1"

    // Guarded by the bridge's lock (`synchronized`).
    private var countsTokens = true

    /// Listens on 127.0.0.1:0 and serves `models`.
    public init(models: [String] = ["fake-model"]) throws {
        try super.init(name: "FakeAnthropicBridge", models: models)
    }

    /// Whether `POST /v1/messages/count_tokens` exists (the default); `false` answers it with 404,
    /// as bridges without the endpoint do.
    public var countTokensAvailable: Bool {
        get { synchronized { countsTokens } }
        set { synchronized { countsTokens = newValue } }
    }

    // MARK: Serving

    override func answer(_ request: Request, path: String, number: Int, cutAfter: Int?, on fd: Int32) {
        switch (request.method, path) {
        case ("GET", "/v1/models"):
            let data = models.map(modelObject)
            let list: [String: Any] = [
                "data": data, "has_more": false, "first_id": (models.first as Any?) ?? NSNull(),
                "last_id": (models.last as Any?) ?? NSNull(),
            ]
            respond(fd, list, cutAfterHalf: cutAfter != nil)
        case ("GET", _) where path.hasPrefix("/v1/models/"):
            let id = String(path.dropFirst("/v1/models/".count))
            if models.contains(id) {
                respond(fd, modelObject(id), cutAfterHalf: cutAfter != nil)
            } else {
                respondError(fd, status: 404, type: "not_found_error", "model: \(id)")
            }
        case ("POST", "/v1/messages"):
            guard let body = validated(request, on: fd, required: ["model", "max_tokens", "messages"]) else { return }
            let message = Message(request: body, id: "msg_fake_\(number)")
            if body["stream"] as? Bool == true {
                stream(fd, events: message.events(), cutAfter: cutAfter)
            } else {
                respond(fd, message.object(), cutAfterHalf: cutAfter != nil)
            }
        case ("POST", "/v1/messages/count_tokens") where countTokensAvailable:
            guard let body = validated(request, on: fd, required: ["model", "messages"]) else { return }
            respond(fd, ["input_tokens": Message.inputTokens(of: body)], cutAfterHalf: cutAfter != nil)
        default:
            respondError(fd, status: 404, type: "not_found_error", "Not Found")
        }
    }

    /// The body of a POST that has an `anthropic-version` header, is a JSON object and has the
    /// `required` fields; otherwise answers 400 as Anthropic does and returns `nil`.
    private func validated(_ request: Request, on fd: Int32, required: [String]) -> [String: Any]? {
        guard request.headers["anthropic-version"] != nil else {
            respondError(fd, status: 400, type: "invalid_request_error", "anthropic-version: header is required")
            return nil
        }
        guard let body = request.json else {
            respondError(fd, status: 400, type: "invalid_request_error", "The request body is not valid JSON")
            return nil
        }
        if let missing = required.first(where: { body[$0] == nil }) {
            respondError(fd, status: 400, type: "invalid_request_error", "\(missing): Field required")
            return nil
        }
        return body
    }

    private func modelObject(_ id: String) -> [String: Any] {
        ["type": "model", "id": id, "display_name": id, "created_at": "2023-11-14T22:13:20Z"]
    }

    /// `object` as a 200 JSON answer.
    private func respond(_ fd: Int32, _ object: [String: Any], cutAfterHalf: Bool) {
        HTTPResponseWriter.respond(fd, status: 200, body: HTTPResponseWriter.encode(object), cutAfterHalf: cutAfterHalf)
    }

    /// An Anthropic error object: `{"type": "error", "error": {"type", "message"}}`.
    private func respondError(_ fd: Int32, status: Int, type: String, _ message: String) {
        let object: [String: Any] = ["type": "error", "error": ["type": type, "message": message]]
        HTTPResponseWriter.respond(fd, status: status, body: HTTPResponseWriter.encode(object))
    }
}
