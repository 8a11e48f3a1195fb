import Foundation

extension FakeOpenAIBridge {
    /// The deterministic answer to one `POST /v1/responses` request (a bridge that serves the
    /// Responses API itself), as a `response` object or as its stream of server-sent events.
    ///
    /// The reply follows the chat endpoint's rule: ``FakeBridge/replyText(echoing:)`` of the last
    /// user input's text (a string `input` is one user message; a message's `content` is a string
    /// or parts whose `text` counts). Tools are ignored: the answer is always one `message` item
    /// with one `output_text` part. `input_tokens` counts the words of `instructions` and of every
    /// input message's text, `output_tokens` the words of the reply, `total_tokens` their sum.
    ///
    /// A stream is the official sequence, each event named by its `type` and numbered by
    /// `sequence_number` from 0: `response.created`, `response.in_progress`,
    /// `response.output_item.added`, `response.content_part.added`, one
    /// `response.output_text.delta` per word (`"echo:"`, then `" word"` …),
    /// `response.output_text.done`, `response.content_part.done`, `response.output_item.done`,
    /// and `response.completed` with the whole response and its usage.
    struct Response {
        private let id: String
        private let itemID: String
        private let model: String
        private let instructions: String?
        private let text: String
        private let inputTokens: Int
        private let outputTokens: Int

        init(request: [String: Any], number: Int, fallbackModel: String) {
            id = "resp_fake-\(number)"
            itemID = "msg_fake-\(number)"
            model = request["model"] as? String ?? fallbackModel
            instructions = request["instructions"] as? String
            let messages = Self.messages(in: request["input"])
            inputTokens = Usage.words(instructions ?? "") + messages.reduce(0) { $0 + Usage.words($1.text) }
            text = FakeOpenAIBridge.replyText(echoing: messages.last { $0.role == "user" }?.text ?? "")
            outputTokens = Usage.words(text)
        }

        /// The whole `response` object; `usage` null without `includeUsage`.
        func object(includeUsage: Bool) -> [String: Any] {
            response(status: "completed", output: [item(status: "completed", content: [part(text)])], usage: includeUsage ? usage : nil)
        }

        /// Every event of the stream, as complete server-sent events (`event:` and `data:` lines
        /// and the blank line); `response.completed` carries usage only with `includeUsage`.
        func events(includeUsage: Bool) -> [String] {
            let started = response(status: "in_progress", output: [], usage: nil)
            let words = text.split(separator: " ").map(String.init)
            var events: [[String: Any]] = [
                ["type": "response.created", "response": started],
                ["type": "response.in_progress", "response": started],
                ["type": "response.output_item.added", "output_index": 0, "item": item(status: "in_progress", content: [])],
                inPart(["type": "response.content_part.added", "part": part("")]),
            ]
            for (index, word) in words.enumerated() {
                events.append(inPart(["type": "response.output_text.delta", "delta": index == 0 ? word : " " + word, "logprobs": [Any]()]))
            }
            events += [
                inPart(["type": "response.output_text.done", "text": text, "logprobs": [Any]()]),
                inPart(["type": "response.content_part.done", "part": part(text)]),
                ["type": "response.output_item.done", "output_index": 0, "item": item(status: "completed", content: [part(text)])],
                ["type": "response.completed", "response": object(includeUsage: includeUsage)],
            ]
            return events.enumerated().map { number, event in
                var event = event
                event["sequence_number"] = number
                return "event: \(event["type"] as? String ?? "")\ndata: \(HTTPResponseWriter.encode(event))\n\n"
            }
        }

        /// `event` with the position of the one text part: `item_id`, `output_index`, `content_index`.
        private func inPart(_ event: [String: Any]) -> [String: Any] {
            event.merging(["item_id": itemID, "output_index": 0, "content_index": 0]) { $1 }
        }

        private var usage: [String: Any] {
            [
                "input_tokens": inputTokens, "input_tokens_details": ["cached_tokens": 0],
                "output_tokens": outputTokens, "output_tokens_details": ["reasoning_tokens": 0],
                "total_tokens": inputTokens + outputTokens,
            ]
        }

        private func response(status: String, output: [[String: Any]], usage: [String: Any]?) -> [String: Any] {
            [
                "id": id, "object": "response", "created_at": FakeBridge.created, "status": status, "model": model,
                "instructions": instructions ?? NSNull(), "output": output, "usage": usage ?? NSNull(),
                "error": NSNull(), "incomplete_details": NSNull(), "metadata": [String: Any](), "parallel_tool_calls": true,
                "tool_choice": "auto", "tools": [Any](), "text": ["format": ["type": "text"]],
            ]
        }

        private func item(status: String, content: [[String: Any]]) -> [String: Any] {
            ["type": "message", "id": itemID, "status": status, "role": "assistant", "content": content]
        }

        private func part(_ text: String) -> [String: Any] {
            ["type": "output_text", "text": text, "annotations": [Any]()]
        }

        /// The input's messages as (role, text): a string input is one user message; items
        /// without a role (function calls and their outputs) are left out.
        private static func messages(in input: Any?) -> [(role: String, text: String)] {
            if let text = input as? String { return [("user", text)] }
            let items = input as? [[String: Any]] ?? []
            return items.compactMap { item in
                guard let role = item["role"] as? String else { return nil }
                if let text = item["content"] as? String { return (role, text) }
                let parts = item["content"] as? [[String: Any]] ?? []
                return (role, parts.compactMap { $0["text"] as? String }.joined(separator: " "))
            }
        }
    }

    /// `POST /v1/responses`: the ``Response`` as a whole or streamed, honouring ``omitUsage`` and
    /// `cutAfter` (see ``FakeBridge/Failure/dieMidStream(afterChunks:)``).
    func answerResponses(_ request: Request, number: Int, cutAfter: Int?, on fd: Int32) {
        guard let body = request.json else {
            respondError(fd, status: 400, "The request body is not a JSON object", code: nil)
            return
        }
        let response = Response(request: body, number: number, fallbackModel: models.first ?? "fake-model")
        if body["stream"] as? Bool == true {
            stream(fd, events: response.events(includeUsage: !omitUsage), cutAfter: cutAfter)
        } else {
            respond(fd, response.object(includeUsage: !omitUsage), cutAfterHalf: cutAfter != nil)
        }
    }
}
