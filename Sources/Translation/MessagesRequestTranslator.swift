/// Translates an Anthropic Messages request (`POST /v1/messages`) into an OpenAI chat completions
/// request for a bridge that speaks only chat completions.
///
/// - `system` (a string or text blocks, joined with a blank line) is the first `system` message.
/// - A user turn's `tool_result` blocks become `tool` messages, all of them placed before the
///   turn's other content (OpenAI wants tool messages right after the assistant's `tool_calls`);
///   the other blocks (`text`, `image`) follow as one user message of content parts. A tool
///   result's text blocks are joined with a newline, `is_error` prefixes "Error: ", and its
///   images (which tool messages cannot carry) go into that user message, after a text part
///   naming the tool call.
/// - An assistant turn's `text` blocks (joined with a newline) are its content and `tool_use`
///   blocks its `tool_calls`; `thinking` and `redacted_thinking` blocks are dropped.
/// - `tools`, `tool_choice` (`disable_parallel_tool_use` → `parallel_tool_calls: false`),
///   `stop_sequences` → `stop`, `max_tokens`, `temperature`, `top_p`, `metadata.user_id` → `user`,
///   `stream` (with `stream_options.include_usage`). `top_k`, `thinking` and other members OpenAI
///   chat has no equivalent for are dropped; the client's `model` is replaced by the bridge's.
/// - Structured output, `output_config.format` (or the beta's `output_format`) `json_schema` →
///   `response_format` `json_schema` (the answer's JSON text comes back as a text block);
///   `output_config.effort` → `reasoning_effort`. These change the answer, so anything else in
///   them is refused, never dropped.
///
/// A request that cannot be translated throws a `TranslationError` naming the member.
public struct MessagesRequestTranslator: Sendable {
    /// The canonical model id sent to the bridge.
    public let model: String

    /// A translator for requests sent to `model`.
    public init(model: String) {
        self.model = model
    }

    /// The chat completions body for the Messages `request`.
    public func translate(_ request: JSON) throws(TranslationError) -> JSON {
        guard request.object != nil else { throw TranslationError("the request body must be a JSON object") }
        var chat: JSON = ["model": .string(model)]
        chat["messages"] = .array(try Self.messages(request))
        guard let maxTokens = request["max_tokens"]?.int, maxTokens > 0 else {
            throw TranslationError("max_tokens: required, a positive integer")
        }
        chat["max_tokens"] = .int(maxTokens)
        let stop = try Self.stopSequences(request)
        if !stop.isEmpty { chat["stop"] = .array(stop.map(JSON.string)) }
        for key in ["temperature", "top_p"] {
            guard let value = request[key], !value.isNull else { continue }
            guard value.double != nil else { throw TranslationError("\(key): must be a number") }
            chat[key] = value
        }
        if let user = request["metadata"]?["user_id"], !user.isNull {
            guard user.string != nil else { throw TranslationError("metadata.user_id: must be a string") }
            chat["user"] = user
        }
        try Self.tools(request, into: &chat)
        try Self.outputConfig(request, into: &chat)
        if let stream = request["stream"], !stream.isNull {
            guard let streams = stream.bool else { throw TranslationError("stream: must be a boolean") }
            chat["stream"] = .bool(streams)
            if streams { chat["stream_options"] = ["include_usage": true] }
        }
        return chat
    }

    /// Structured output and effort (see the type's notes); throws naming the member that has no
    /// chat equivalent.
    private static func outputConfig(_ request: JSON, into chat: inout JSON) throws(TranslationError) {
        var format: (path: String, value: JSON)?
        if let value = request["output_format"], !value.isNull { format = ("output_format", value) }
        if let config = request["output_config"], !config.isNull {
            guard let members = config.object else { throw TranslationError("output_config: must be an object") }
            for (key, value) in members where !value.isNull {
                switch key {
                case "format": format = ("output_config.format", value)
                case "effort":
                    guard let effort = value.string, ["low", "medium", "high"].contains(effort) else {
                        throw TranslationError("output_config.effort: only low, medium or high translate to an OpenAI chat bridge")
                    }
                    chat["reasoning_effort"] = .string(effort)
                default: throw TranslationError("output_config.\(key): has no OpenAI chat equivalent")
                }
            }
        }
        guard let format else { return }
        guard format.value["type"]?.string == "json_schema", let schema = format.value["schema"], schema.object != nil else {
            throw TranslationError("\(format.path): only {\"type\": \"json_schema\", \"schema\": {…}} translates to an OpenAI chat bridge")
        }
        chat["response_format"] = ["type": "json_schema", "json_schema": ["name": "output", "schema": schema, "strict": true]]
    }

    /// The client's `stop_sequences` (empty when absent or malformed; `translate` reports the
    /// latter), for telling the client which one stopped the answer.
    public static func stopSequences(in request: JSON) -> [String] {
        (try? stopSequences(request)) ?? []
    }

    private static func stopSequences(_ request: JSON) throws(TranslationError) -> [String] {
        guard let value = request["stop_sequences"], !value.isNull else { return [] }
        guard let sequences = value.array?.compactMap(\.string), sequences.count == value.array?.count else {
            throw TranslationError("stop_sequences: must be an array of strings")
        }
        return sequences
    }

    // MARK: Messages

    private static func messages(_ request: JSON) throws(TranslationError) -> [JSON] {
        guard let turns = request["messages"]?.array, !turns.isEmpty else {
            throw TranslationError("messages: required, a non-empty array")
        }
        var messages: [JSON] = []
        if let system = try systemText(request["system"]) { messages.append(["role": "system", "content": .string(system)]) }
        for (position, turn) in turns.enumerated() {
            let path = "messages[\(position)]"
            guard turn.object != nil else { throw TranslationError("\(path): must be an object") }
            guard let role = turn["role"]?.string else { throw TranslationError("\(path).role: required") }
            guard role == "user" || role == "assistant" else {
                throw TranslationError("\(path).role: must be 'user' or 'assistant', not '\(role)'")
            }
            let content = try blocks(turn["content"], path: "\(path).content")
            if role == "assistant" {
                messages.append(try assistantMessage(content, path: path))
            } else if let text = turn["content"]?.string {
                messages.append(["role": "user", "content": .string(text)])
            } else {
                messages += try userMessages(content, path: path)
            }
        }
        return messages
    }

    /// `system` as text: a string, or text blocks joined with a blank line; nil when absent.
    private static func systemText(_ system: JSON?) throws(TranslationError) -> String? {
        guard let system, !system.isNull else { return nil }
        var texts: [String] = []
        for (position, block) in try blocks(system, path: "system").enumerated() {
            guard block["type"]?.string == "text" else {
                throw TranslationError("system[\(position)]: must be a text block")
            }
            texts.append(try text(of: block, path: "system[\(position)]"))
        }
        return texts.isEmpty ? nil : texts.joined(separator: "\n\n")
    }

    /// Content as blocks: a string is one text block.
    private static func blocks(_ content: JSON?, path: String) throws(TranslationError) -> [JSON] {
        switch content {
        case .string(let text)?: return [["type": "text", "text": .string(text)]]
        case .array(let blocks)?:
            for (position, block) in blocks.enumerated() where block["type"]?.string == nil {
                throw TranslationError("\(path)[\(position)]: must be a content block with a 'type'")
            }
            return blocks
        default: throw TranslationError("\(path): must be a string or an array of content blocks")
        }
    }

    /// A user turn: its tool results as `tool` messages, then the rest as one user message.
    private static func userMessages(_ blocks: [JSON], path: String) throws(TranslationError) -> [JSON] {
        var toolMessages: [JSON] = []
        var parts: [JSON] = []
        for (position, block) in blocks.enumerated() {
            let blockPath = "\(path).content[\(position)]"
            switch block["type"]?.string {
            case "text": parts.append(["type": "text", "text": .string(try text(of: block, path: blockPath))])
            case "image": parts.append(try imagePart(block, path: blockPath))
            case "tool_result":
                let result = try toolResult(block, path: blockPath)
                toolMessages.append(result.message)
                parts += result.images
            case let type: throw TranslationError("\(blockPath): unknown block type '\(type ?? "")' in a user message")
            }
        }
        if !parts.isEmpty || toolMessages.isEmpty {
            toolMessages.append(["role": "user", "content": .array(parts)])
        }
        return toolMessages
    }

    /// A `tool_result` block as a `tool` message, and its images as user content parts.
    private static func toolResult(_ block: JSON, path: String) throws(TranslationError) -> (message: JSON, images: [JSON]) {
        guard let id = block["tool_use_id"]?.string, !id.isEmpty else {
            throw TranslationError("\(path).tool_use_id: required, a string")
        }
        var texts: [String] = []
        var images: [JSON] = []
        if let content = block["content"], !content.isNull {
            for (position, part) in try blocks(content, path: "\(path).content").enumerated() {
                let partPath = "\(path).content[\(position)]"
                switch part["type"]?.string {
                case "text": texts.append(try text(of: part, path: partPath))
                case "image":
                    if images.isEmpty { images.append(["type": "text", "text": .string("Image from tool call \(id):")]) }
                    images.append(try imagePart(part, path: partPath))
                case let type: throw TranslationError("\(partPath): unknown block type '\(type ?? "")' in a tool result")
                }
            }
        }
        var text = texts.joined(separator: "\n")
        if block["is_error"]?.bool == true { text = "Error: " + text }
        return (["role": "tool", "tool_call_id": .string(id), "content": .string(text)], images)
    }

    /// An assistant turn: its text as content, its tool uses as `tool_calls`.
    private static func assistantMessage(_ blocks: [JSON], path: String) throws(TranslationError) -> JSON {
        var texts: [String] = []
        var calls: [JSON] = []
        for (position, block) in blocks.enumerated() {
            let blockPath = "\(path).content[\(position)]"
            switch block["type"]?.string {
            case "text": texts.append(try text(of: block, path: blockPath))
            case "tool_use": calls.append(try toolCall(block, path: blockPath))
            case "thinking", "redacted_thinking": continue
            case let type: throw TranslationError("\(blockPath): unknown block type '\(type ?? "")' in an assistant message")
            }
        }
        var message: JSON = ["role": "assistant"]
        message["content"] = texts.isEmpty && !calls.isEmpty ? .null : .string(texts.joined(separator: "\n"))
        if !calls.isEmpty { message["tool_calls"] = .array(calls) }
        return message
    }

    /// A `tool_use` block as a chat tool call; an input holding only unparsed arguments (see
    /// `AnthropicMessageRenderer`) gives back their original text.
    private static func toolCall(_ block: JSON, path: String) throws(TranslationError) -> JSON {
        guard let id = block["id"]?.string, !id.isEmpty else { throw TranslationError("\(path).id: required, a string") }
        guard let name = block["name"]?.string else { throw TranslationError("\(path).name: required, a string") }
        let input = block["input"] ?? [:]
        guard let object = input.object else { throw TranslationError("\(path).input: must be an object") }
        var arguments = input.text
        if object.count == 1, let unparsed = object[AnthropicMessageRenderer.unparsedArgumentsKey]?.string {
            arguments = unparsed
        }
        return [
            "id": .string(id), "type": "function",
            "function": ["name": .string(name), "arguments": .string(arguments)],
        ]
    }

    /// The `text` of a text block.
    private static func text(of block: JSON, path: String) throws(TranslationError) -> String {
        guard let text = block["text"]?.string else { throw TranslationError("\(path).text: required, a string") }
        return text
    }

    /// An `image` block as an `image_url` part: base64 data as a data URL, or the URL.
    private static func imagePart(_ block: JSON, path: String) throws(TranslationError) -> JSON {
        let source = block["source"]
        let url: String
        switch source?["type"]?.string {
        case "base64":
            guard let mediaType = source?["media_type"]?.string, let data = source?["data"]?.string else {
                throw TranslationError("\(path).source: base64 needs 'media_type' and 'data' strings")
            }
            url = "data:\(mediaType);base64,\(data)"
        case "url":
            guard let link = source?["url"]?.string else { throw TranslationError("\(path).source.url: required, a string") }
            url = link
        case let type?: throw TranslationError("\(path).source.type: unsupported image source '\(type)'")
        case nil: throw TranslationError("\(path).source: required, with a 'type'")
        }
        return ["type": "image_url", "image_url": ["url": .string(url)]]
    }

    // MARK: Tools

    /// `tools` and `tool_choice` into `chat`.
    private static func tools(_ request: JSON, into chat: inout JSON) throws(TranslationError) {
        if let tools = request["tools"], !tools.isNull {
            guard let list = tools.array else { throw TranslationError("tools: must be an array") }
            var functions: [JSON] = []
            for (position, tool) in list.enumerated() {
                let path = "tools[\(position)]"
                if let type = tool["type"]?.string, type != "custom" {
                    throw TranslationError("\(path).type: unsupported tool type '\(type)' (only client tools translate)")
                }
                guard let name = tool["name"]?.string, !name.isEmpty else { throw TranslationError("\(path).name: required, a string") }
                guard let schema = tool["input_schema"], schema.object != nil else {
                    throw TranslationError("\(path).input_schema: required, an object")
                }
                var function: JSON = ["name": .string(name)]
                if let description = tool["description"]?.string { function["description"] = .string(description) }
                function["parameters"] = schema
                functions.append(["type": "function", "function": function])
            }
            if !functions.isEmpty { chat["tools"] = .array(functions) }
        }
        guard let choice = request["tool_choice"], !choice.isNull else { return }
        switch choice["type"]?.string {
        case "auto": chat["tool_choice"] = "auto"
        case "any": chat["tool_choice"] = "required"
        case "none": chat["tool_choice"] = "none"
        case "tool":
            guard let name = choice["name"]?.string, !name.isEmpty else { throw TranslationError("tool_choice.name: required, a string") }
            chat["tool_choice"] = ["type": "function", "function": ["name": .string(name)]]
        case let type?: throw TranslationError("tool_choice.type: unknown type '\(type)'")
        case nil: throw TranslationError("tool_choice.type: required")
        }
        if choice["disable_parallel_tool_use"]?.bool == true { chat["parallel_tool_calls"] = false }
    }
}
