import Foundation

extension FakeOpenAIBridge {
    /// The deterministic answer to one chat completion request, as a `chat.completion` object or
    /// as the data of its stream events. With tools and "weather" in the last user message it
    /// calls the first tool; when that message also says " and ", it makes two parallel calls
    /// whose streamed argument fragments interleave (index 0, 1, 0, 1, …), as some upstreams do.
    struct Completion {
        private enum Output {
            case text(String)
            case toolCalls(name: String, count: Int)
        }

        private let id: String
        private let model: String
        private let output: Output
        private let promptTokens: Int
        private let completionTokens: Int

        init(request: [String: Any], id: String, fallbackModel: String) {
            self.id = id
            model = request["model"] as? String ?? fallbackModel
            let messages = request["messages"] as? [[String: Any]] ?? []
            promptTokens = messages.reduce(0) { $0 + Usage.words(Self.text(of: $1["content"])) }

            let last = messages.last { ["user", "tool"].contains($0["role"] as? String) }
            let lastText = Self.text(of: last?["content"])
            let tools = request["tools"] as? [[String: Any]] ?? []
            let function = tools.first?["function"] as? [String: Any]
            let toolsAllowed = !tools.isEmpty && request["tool_choice"] as? String != "none"
            if toolsAllowed, messages.last?["role"] as? String == "user", lastText.lowercased().contains("weather") {
                let name = function?["name"] as? String ?? "tool"
                let count = lastText.contains(" and ") ? 2 : 1
                output = .toolCalls(name: name, count: count)
                completionTokens = count * Usage.words("\(name) \(FakeOpenAIBridge.toolCallArguments)")
            } else {
                let text = FakeOpenAIBridge.replyText(echoing: lastText)
                output = .text(text)
                completionTokens = Usage.words(text)
            }
        }

        /// The `chat.completion` object.
        func object(includeUsage: Bool) -> [String: Any] {
            var message: [String: Any] = ["role": "assistant", "refusal": NSNull()]
            switch output {
            case .text(let text):
                message["content"] = text
            case .toolCalls(let name, let count):
                message["content"] = NSNull()
                message["tool_calls"] = (0..<count).map { index in
                    [
                        "id": FakeOpenAIBridge.toolCallID(index), "type": "function",
                        "function": ["name": name, "arguments": FakeOpenAIBridge.toolCallArguments],
                    ] as [String: Any]
                }
            }
            var object: [String: Any] = [
                "id": id, "object": "chat.completion", "created": FakeBridge.created, "model": model,
                "system_fingerprint": "fp_fake",
                "choices": [["index": 0, "message": message, "logprobs": NSNull(), "finish_reason": finishReason] as [String: Any]],
            ]
            if includeUsage { object["usage"] = usage }
            return object
        }

        /// The data of every stream event, `[DONE]` last.
        func events(includeUsage: Bool) -> [String] {
            var deltas: [[String: Any]] = []
            switch output {
            case .text(let text):
                let words = text.split(separator: " ").map(String.init)
                for (index, word) in words.enumerated() {
                    deltas.append(index == 0 ? ["role": "assistant", "content": word] : ["content": " " + word])
                }
            case .toolCalls(let name, let count):
                for index in 0..<count {
                    let call: [String: Any] = [
                        "index": index, "id": FakeOpenAIBridge.toolCallID(index), "type": "function",
                        "function": ["name": name, "arguments": ""],
                    ]
                    deltas.append(index == 0 ? ["role": "assistant", "content": NSNull(), "tool_calls": [call]] : ["tool_calls": [call]])
                }
                for fragment in FakeBridge.fragments(of: FakeOpenAIBridge.toolCallArguments) {
                    for index in 0..<count {
                        deltas.append(["tool_calls": [["index": index, "function": ["arguments": fragment]] as [String: Any]]])
                    }
                }
            }
            var events = deltas.map { chunk(choice(delta: $0, finishReason: NSNull()), includeUsage: includeUsage) }
            events.append(chunk(choice(delta: [:], finishReason: finishReason), includeUsage: includeUsage))
            if includeUsage {
                var last = chunk(nil, includeUsage: true)
                last["usage"] = usage
                events.append(last)
            }
            return events.map(HTTPResponseWriter.encode) + ["[DONE]"]
        }

        private var finishReason: String {
            if case .toolCalls = output { return "tool_calls" }
            return "stop"
        }

        private var usage: [String: Any] {
            ["prompt_tokens": promptTokens, "completion_tokens": completionTokens, "total_tokens": promptTokens + completionTokens]
        }

        private func choice(delta: [String: Any], finishReason: Any) -> [String: Any] {
            ["index": 0, "delta": delta, "logprobs": NSNull(), "finish_reason": finishReason]
        }

        /// A `chat.completion.chunk` with the given choice (none for the usage chunk); with
        /// `includeUsage`, `"usage": null` as OpenAI sends on every chunk before the usage chunk.
        private func chunk(_ choice: [String: Any]?, includeUsage: Bool) -> [String: Any] {
            var object: [String: Any] = [
                "id": id, "object": "chat.completion.chunk", "created": FakeBridge.created, "model": model,
                "system_fingerprint": "fp_fake", "choices": choice.map { [$0] } ?? [],
            ]
            if includeUsage { object["usage"] = NSNull() }
            return object
        }

        /// A message's text: a string `content`, or the `text` of its content parts joined by spaces.
        private static func text(of content: Any?) -> String {
            if let text = content as? String { return text }
            let parts = content as? [[String: Any]] ?? []
            return parts.compactMap { $0["text"] as? String }.joined(separator: " ")
        }
    }
}
