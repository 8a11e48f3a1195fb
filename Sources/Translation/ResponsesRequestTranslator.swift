/// Translates an OpenAI Responses API request (`POST /v1/responses`, as Codex CLI and the `openai`
/// SDK's `client.responses` send it) into an OpenAI chat completions request for a bridge.
///
/// - `instructions` → the first `system` message; `previous_response_id` → the remembered
///   conversation (see `ResponseHistory`), then `input`: a string is one user message; items are
///   `message`s (also items with a `role` and no `type`; `developer` becomes `system`),
///   `function_call`s (consecutive calls become one assistant message with `tool_calls`, merged into
///   an assistant text message right before them), `function_call_output`s (`tool` messages) and
///   `reasoning` items (dropped: a chat bridge cannot take them back).
/// - Content parts: `input_text`/`output_text`/`refusal` → text; `input_image` with an `image_url`
///   → an `image_url` part (user messages only). Content that is all text is sent as one string
///   (the parts joined), which every bridge accepts.
/// - `tools` (function tools only), `tool_choice` and `parallel_tool_calls` (both left out when
///   there are no tools, which chat upstreams reject), `text.format` → `response_format`,
///   `max_output_tokens` → `max_tokens`, `temperature`, `top_p`, `user`, `stream` (with
///   `stream_options.include_usage`). `reasoning`, `store`, `metadata`, `include`, `truncation`
///   and other fields are accepted and not sent upstream.
///
/// Anything that cannot be translated without losing part of the conversation throws a
/// `TranslationError` naming the field.
public struct ResponsesRequestTranslator: Sendable {
    private let history: ResponseHistory.Scope

    /// A translator continuing conversations from `history`.
    public init(history: ResponseHistory.Scope) {
        self.history = history
    }

    /// `request` (a Responses request body) as a chat request for the model `model` (the
    /// canonical id the bridge knows), with what the answer will need.
    public func translate(_ request: JSON, model: String) throws(TranslationError) -> ResponsesTranslation {
        guard request.object != nil else { throw TranslationError("request body: expected a JSON object") }
        if present(request["conversation"]) != nil {
            throw TranslationError("conversation: the Conversations API is not supported by this gateway; send the input items, or previous_response_id")
        }
        let conversation = try previousConversation(request["previous_response_id"]) + inputMessages(request["input"])
        var messages: [JSON] = []
        if let instructions = present(request["instructions"]) {
            guard let text = instructions.string else { throw TranslationError("instructions: expected a string") }
            messages.append(["role": "system", "content": .string(text)])
        }
        var chat: JSON = ["model": .string(model), "messages": .array(messages + conversation)]
        let tools = try tools(request["tools"])
        let toolChoice = try toolChoice(request["tool_choice"])
        let parallelToolCalls = try value(request["parallel_tool_calls"], "parallel_tool_calls", is: \.bool, "a boolean")
        if let tools {
            chat["tools"] = tools
            chat["tool_choice"] = toolChoice
            chat["parallel_tool_calls"] = parallelToolCalls
        }
        chat["response_format"] = try responseFormat(request["text"]?["format"])
        if let limit = present(request["max_output_tokens"]) {
            guard let tokens = limit.int, tokens > 0 else { throw TranslationError("max_output_tokens: expected a positive integer") }
            chat["max_tokens"] = .int(tokens)
        }
        chat["temperature"] = try value(request["temperature"], "temperature", is: \.double, "a number")
        chat["top_p"] = try value(request["top_p"], "top_p", is: \.double, "a number")
        chat["user"] = try value(request["user"], "user", is: \.string, "a string")
        if try value(request["stream"], "stream", is: \.bool, "a boolean")?.bool == true {
            chat["stream"] = true
            chat["stream_options"] = ["include_usage": true]
        }
        return ResponsesTranslation(chatRequest: chat, request: request, conversation: conversation)
    }

    // MARK: - Conversation

    private func previousConversation(_ id: JSON?) throws(TranslationError) -> [JSON] {
        guard let id = present(id) else { return [] }
        guard let responseID = id.string else { throw TranslationError("previous_response_id: expected a string") }
        guard let messages = history.messages(for: responseID) else {
            throw TranslationError(
                "previous_response_id: response '\(responseID)' not found; this gateway keeps only its client key's last responses (at most \(history.history.capacity)), in memory (none across restarts); send the whole conversation as input instead",
                code: "previous_response_not_found")
        }
        return messages
    }

    private func inputMessages(_ input: JSON?) throws(TranslationError) -> [JSON] {
        if let text = input?.string { return [["role": "user", "content": .string(text)]] }
        guard let input = present(input) else { throw TranslationError("input: missing") }
        guard let items = input.array else { throw TranslationError("input: expected a string or an array of items") }
        var messages: [JSON] = []
        for (position, item) in items.enumerated() {
            let path = "input[\(position)]"
            guard item.object != nil else { throw TranslationError("\(path): expected an object") }
            switch item["type"]?.string ?? (item["role"] != nil ? "message" : nil) {
            case "message": messages.append(try message(item, path: path))
            case "function_call": appendToolCall(try toolCall(item, path: path), to: &messages)
            case "function_call_output": messages.append(try toolOutput(item, path: path))
            case "reasoning": continue
            case let type?: throw TranslationError("\(path).type: unsupported item type '\(type)'")
            case nil: throw TranslationError("\(path).type: missing")
            }
        }
        return messages
    }

    private func message(_ item: JSON, path: String) throws(TranslationError) -> JSON {
        let role: String
        switch item["role"]?.string {
        case "user": role = "user"
        case "assistant": role = "assistant"
        case "system", "developer": role = "system"
        case let other?: throw TranslationError("\(path).role: unknown role '\(other)'")
        case nil: throw TranslationError("\(path).role: missing")
        }
        let content = try content(item["content"], allowsImages: role == "user", path: "\(path).content")
        return ["role": .string(role), "content": content]
    }

    private func toolCall(_ item: JSON, path: String) throws(TranslationError) -> JSON {
        guard let id = item["call_id"]?.string, !id.isEmpty else { throw TranslationError("\(path).call_id: missing") }
        guard let name = item["name"]?.string, !name.isEmpty else { throw TranslationError("\(path).name: missing") }
        guard let arguments = ChatStreamReader.argumentsText(item["arguments"]) else {
            throw TranslationError("\(path).arguments: expected the arguments as JSON text")
        }
        return Completion.ToolCall(id: id, name: name, arguments: arguments).chatJSON
    }

    /// Consecutive calls share one assistant message, which may already hold the turn's text.
    private func appendToolCall(_ call: JSON, to messages: inout [JSON]) {
        if var last = messages.last, last["role"]?.string == "assistant" {
            last["tool_calls"] = .array((last["tool_calls"]?.array ?? []) + [call])
            messages[messages.count - 1] = last
        } else {
            messages.append(["role": "assistant", "content": .null, "tool_calls": [call]])
        }
    }

    private func toolOutput(_ item: JSON, path: String) throws(TranslationError) -> JSON {
        guard let id = item["call_id"]?.string, !id.isEmpty else { throw TranslationError("\(path).call_id: missing") }
        let content = try content(item["output"], allowsImages: false, path: "\(path).output")
        return ["role": "tool", "tool_call_id": .string(id), "content": content]
    }

    /// Content: a string as it is; parts as one string when all are text, else chat parts.
    private func content(_ content: JSON?, allowsImages: Bool, path: String) throws(TranslationError) -> JSON {
        if let text = content?.string { return .string(text) }
        guard let parts = content?.array else { throw TranslationError("\(path): expected a string or an array of content parts") }
        var chatParts: [JSON] = []
        var hasImage = false
        for (position, part) in parts.enumerated() {
            let partPath = "\(path)[\(position)]"
            switch part["type"]?.string {
            case let type? where type == "input_text" || type == "output_text" || type == "refusal":
                let key = type == "refusal" ? "refusal" : "text"
                guard let text = part[key]?.string else { throw TranslationError("\(partPath).\(key): missing") }
                chatParts.append(["type": "text", "text": .string(text)])
            case "input_image":
                guard allowsImages else { throw TranslationError("\(partPath): images are only supported in user messages") }
                chatParts.append(try image(part, path: partPath))
                hasImage = true
            case "input_file": throw TranslationError("\(partPath): file inputs are not supported by this gateway")
            case let type?: throw TranslationError("\(partPath).type: unknown content type '\(type)'")
            case nil: throw TranslationError("\(partPath).type: missing")
            }
        }
        return hasImage ? .array(chatParts) : .string(Completion.text(of: .array(chatParts)))
    }

    private func image(_ part: JSON, path: String) throws(TranslationError) -> JSON {
        if present(part["file_id"]) != nil {
            throw TranslationError("\(path).file_id: uploaded files are not supported by this gateway; send image_url (a URL or a data URL)")
        }
        guard let url = part["image_url"]?.string, !url.isEmpty else { throw TranslationError("\(path).image_url: missing") }
        var image: JSON = ["url": .string(url)]
        image["detail"] = part["detail"]?.string.map(JSON.string)
        return ["type": "image_url", "image_url": image]
    }

    // MARK: - Tools and options

    private func tools(_ tools: JSON?) throws(TranslationError) -> JSON? {
        guard let tools = present(tools) else { return nil }
        guard let list = tools.array else { throw TranslationError("tools: expected an array") }
        var chatTools: [JSON] = []
        for (position, tool) in list.enumerated() {
            let path = "tools[\(position)]"
            switch tool["type"]?.string {
            case "function":
                guard let name = tool["name"]?.string, !name.isEmpty else { throw TranslationError("\(path).name: missing") }
                var function: JSON = ["name": .string(name)]
                function["description"] = present(tool["description"])
                function["parameters"] = present(tool["parameters"])
                function["strict"] = present(tool["strict"])
                chatTools.append(["type": "function", "function": function])
            case let type?: throw TranslationError("\(path).type: '\(type)' tools are not supported by this gateway, only function tools")
            case nil: throw TranslationError("\(path).type: missing")
            }
        }
        guard !chatTools.isEmpty else { return nil }
        return .array(chatTools)
    }

    private func toolChoice(_ choice: JSON?) throws(TranslationError) -> JSON? {
        guard let choice = present(choice) else { return nil }
        if let mode = choice.string {
            guard mode == "auto" || mode == "none" || mode == "required" else {
                throw TranslationError("tool_choice: unknown value '\(mode)'")
            }
            return choice
        }
        guard let type = choice["type"]?.string else { throw TranslationError("tool_choice: expected a string or an object with a type") }
        guard type == "function" else { throw TranslationError("tool_choice.type: '\(type)' is not supported by this gateway, only function") }
        guard let name = choice["name"]?.string, !name.isEmpty else { throw TranslationError("tool_choice.name: missing") }
        return ["type": "function", "function": ["name": .string(name)]]
    }

    private func responseFormat(_ format: JSON?) throws(TranslationError) -> JSON? {
        guard let format = present(format) else { return nil }
        switch format["type"]?.string {
        case "text": return nil
        case "json_object": return ["type": "json_object"]
        case "json_schema":
            guard let name = format["name"]?.string, !name.isEmpty else { throw TranslationError("text.format.name: missing") }
            guard let schema = format["schema"], schema.object != nil else { throw TranslationError("text.format.schema: expected an object") }
            var jsonSchema: JSON = ["name": .string(name)]
            jsonSchema["description"] = present(format["description"])
            jsonSchema["schema"] = schema
            jsonSchema["strict"] = present(format["strict"])
            return ["type": "json_schema", "json_schema": jsonSchema]
        case let type?: throw TranslationError("text.format.type: unknown format '\(type)'")
        case nil: throw TranslationError("text.format.type: missing")
        }
    }

    /// `value` when present and of the kind `kind` reads, nil when absent or null.
    private func value<T>(_ value: JSON?, _ field: String, is kind: KeyPath<JSON, T?>, _ expected: String) throws(TranslationError) -> JSON? {
        guard let value = present(value) else { return nil }
        guard value[keyPath: kind] != nil else { throw TranslationError("\(field): expected \(expected)") }
        return value
    }

    /// `value` unless it is absent or null (clients send `null` for "not set").
    private func present(_ value: JSON?) -> JSON? {
        guard let value, !value.isNull else { return nil }
        return value
    }
}
