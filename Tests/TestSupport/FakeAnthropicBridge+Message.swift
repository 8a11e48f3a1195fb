import Foundation

extension FakeAnthropicBridge {
    /// The deterministic answer to one Messages request, as a `message` object or as the
    /// server-sent events of its stream.
    struct Message {
        private enum Output {
            case text(String)
            case toolUse(name: String)
        }

        private let id: String
        private let model: String
        private let output: Output
        private let inputTokens: Int
        private let outputTokens: Int

        init(request: [String: Any], id: String) {
            self.id = id
            model = request["model"] as? String ?? ""
            inputTokens = Self.inputTokens(of: request)

            let messages = request["messages"] as? [[String: Any]] ?? []
            let last = messages.last { $0["role"] as? String == "user" }
            let lastText = Self.text(of: last?["content"])
            let answersToolResult = (last?["content"] as? [[String: Any]] ?? []).contains { $0["type"] as? String == "tool_result" }
            let tools = request["tools"] as? [[String: Any]] ?? []
            let choice = request["tool_choice"] as? [String: Any]
            let toolsAllowed = !tools.isEmpty && choice?["type"] as? String != "none"
            if toolsAllowed, messages.last?["role"] as? String == "user", !answersToolResult,
                lastText.lowercased().contains("weather")
            {
                let name = tools.first?["name"] as? String ?? "tool"
                output = .toolUse(name: name)
                outputTokens = Usage.words("\(name) \(FakeBridge.toolCallArguments)")
            } else {
                let text = FakeBridge.replyText(echoing: lastText)
                output = .text(text)
                outputTokens = Usage.words(text)
            }
        }

        /// The words of the `system` prompt and of every message's text: what `input_tokens` and
        /// `count_tokens` report.
        static func inputTokens(of request: [String: Any]) -> Int {
            let messages = request["messages"] as? [[String: Any]] ?? []
            return messages.reduce(Usage.words(text(of: request["system"]))) { $0 + Usage.words(text(of: $1["content"])) }
        }

        /// The `message` object.
        func object() -> [String: Any] {
            [
                "id": id, "type": "message", "role": "assistant", "model": model, "content": [contentBlock(complete: true)],
                "stop_reason": stopReason, "stop_sequence": NSNull(),
                "usage": ["input_tokens": inputTokens, "output_tokens": outputTokens],
            ]
        }

        /// Every event of the stream, each a complete server-sent event with its `event:` name.
        func events() -> [String] {
            var events: [[String: Any]] = [
                [
                    "type": "message_start",
                    "message": [
                        "id": id, "type": "message", "role": "assistant", "model": model, "content": [] as [Any],
                        "stop_reason": NSNull(), "stop_sequence": NSNull(),
                        "usage": ["input_tokens": inputTokens, "output_tokens": 1],
                    ] as [String: Any],
                ],
                ["type": "content_block_start", "index": 0, "content_block": contentBlock(complete: false)],
                ["type": "ping"],
            ]
            let deltas: [[String: Any]]
            switch output {
            case .text(let text):
                let words = text.split(separator: " ").map(String.init)
                deltas = words.enumerated().map { index, word in
                    ["type": "text_delta", "text": index == 0 ? word : " " + word]
                }
            case .toolUse:
                deltas = FakeBridge.fragments(of: FakeBridge.toolCallArguments).map {
                    ["type": "input_json_delta", "partial_json": $0]
                }
            }
            events += deltas.map { ["type": "content_block_delta", "index": 0, "delta": $0] }
            events += [
                ["type": "content_block_stop", "index": 0],
                [
                    "type": "message_delta", "delta": ["stop_reason": stopReason, "stop_sequence": NSNull()] as [String: Any],
                    "usage": ["output_tokens": outputTokens],
                ],
                ["type": "message_stop"],
            ]
            return events.map { "event: \($0["type"] as? String ?? "")\ndata: \(HTTPResponseWriter.encode($0))\n\n" }
        }

        /// ``FakeBridge/toolCallArguments`` as the object a whole `tool_use` block carries.
        private static var toolInput: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(FakeBridge.toolCallArguments.utf8))) as? [String: Any] ?? [:]
        }

        private var stopReason: String {
            if case .toolUse = output { return "tool_use" }
            return "end_turn"
        }

        /// The one content block: whole, or as `content_block_start` opens it (empty text, empty input).
        private func contentBlock(complete: Bool) -> [String: Any] {
            switch output {
            case .text(let text):
                return ["type": "text", "text": complete ? text : ""]
            case .toolUse(let name):
                let input = complete ? Self.toolInput : [:]
                return ["type": "tool_use", "id": FakeAnthropicBridge.toolUseID, "name": name, "input": input]
            }
        }

        /// The text of a `system` prompt or a message's `content`: a string, or its blocks' text
        /// (a text block's `text`, a `tool_result` block's content) joined by spaces.
        private static func text(of content: Any?) -> String {
            if let text = content as? String { return text }
            let blocks = content as? [[String: Any]] ?? []
            return blocks.compactMap { block in
                block["type"] as? String == "tool_result" ? text(of: block["content"]) : block["text"] as? String
            }.joined(separator: " ")
        }
    }
}
