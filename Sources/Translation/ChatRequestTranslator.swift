/// Translates an OpenAI chat-completions request into an Anthropic Messages request, for bridges
/// that speak only the Anthropic API:
/// - `system` and `developer` messages (wherever they are) → the top-level `system`, joined with
///   blank lines;
/// - user content → `text` and `image` blocks (a `data:` URL as a base64 source, an http(s) URL as
///   a url source); assistant content → `text` blocks and `tool_calls` → `tool_use` blocks;
/// - `tool` messages → `tool_result` blocks in a user turn; consecutive turns of one role are
///   merged (Anthropic requires alternating roles) with tool results first in their turn;
/// - `tools`, `tool_choice`, `parallel_tool_calls`, `stop`, `max_completion_tokens`/`max_tokens`,
///   `temperature` (Anthropic accepts 0…1: higher values are sent as 1), `top_p`, `user`, `stream`.
///
/// Fields Anthropic has no counterpart for and that do not change the answer's meaning
/// (`frequency_penalty`, `presence_penalty`, `logit_bias`, `seed`, `logprobs`, `stream_options`,
/// `store`, `metadata`, `reasoning_effort`, messages' `name`, …) are not sent. Fields whose loss
/// would change the answer (`n` above 1, a `json_object` `response_format`) and anything malformed
/// throw a `TranslationError` naming the field path. A `json_schema` `response_format` is
/// Anthropic's structured output, `output_config.format`.
public enum ChatRequestTranslator {
    /// The `max_tokens` sent when the client gives none (Anthropic requires one).
    public static let defaultMaxTokens = 4096

    /// The Anthropic Messages request for the chat request `chat`, naming `model` upstream.
    public static func anthropicRequest(_ chat: JSON, model: String) throws(TranslationError) -> JSON {
        guard chat.object != nil else { throw TranslationError("the request body must be a JSON object") }
        try refuseUnsupported(chat)
        guard let messages = chat["messages"]?.array, !messages.isEmpty else {
            throw TranslationError("messages: required, a non-empty array")
        }
        var system: [String] = []
        var turns: [Turn] = []
        for (position, message) in messages.enumerated() {
            let path = "messages[\(position)]"
            guard let role = message["role"]?.string else { throw TranslationError("\(path).role: required") }
            switch role {
            case "system", "developer":
                let text = try systemText(message["content"], path: "\(path).content")
                if !text.isEmpty { system.append(text) }
            case "user": append(.user, try blocks(message["content"], path: "\(path).content"), to: &turns)
            case "assistant": append(.assistant, try assistantBlocks(message, path: path), to: &turns)
            case "tool": append(.user, [try toolResult(message, path: path)], to: &turns)
            default: throw TranslationError("\(path).role: unsupported role '\(role)'")
            }
        }
        guard !turns.isEmpty else { throw TranslationError("messages: no user or assistant message with content") }

        var request: JSON = ["model": .string(model), "max_tokens": .int(try maxTokens(chat))]
        if !system.isEmpty { request["system"] = .string(system.joined(separator: "\n\n")) }
        request["messages"] = .array(turns.map(\.json))
        let tools = try self.tools(chat["tools"])
        if !tools.isEmpty { request["tools"] = .array(tools) }
        request["tool_choice"] = try toolChoice(chat, hasTools: !tools.isEmpty)
        request["stop_sequences"] = try stopSequences(chat["stop"])
        request["temperature"] = try number(chat, "temperature").map { .number(min($0, 1)) }
        request["top_p"] = try number(chat, "top_p").map(JSON.number)
        if let user = chat["user"]?.string { request["metadata"] = ["user_id": .string(user)] }
        request["output_config"] = try outputConfig(chat)
        if let stream = chat["stream"]?.bool { request["stream"] = .bool(stream) }
        return request
    }

    /// One Anthropic message being built.
    private struct Turn {
        enum Role: String { case user, assistant }
        var role: Role
        var blocks: [JSON]

        /// The message, tool results first in a user turn (Anthropic requires them before text).
        var json: JSON {
            let results = blocks.filter { $0["type"]?.string == "tool_result" }
            let others = blocks.filter { $0["type"]?.string != "tool_result" }
            return ["role": .string(role.rawValue), "content": .array(results + others)]
        }
    }

    /// Adds `blocks` to the last turn when it has `role`, else as a new turn; nothing for no blocks.
    private static func append(_ role: Turn.Role, _ blocks: [JSON], to turns: inout [Turn]) {
        guard !blocks.isEmpty else { return }
        if turns.last?.role == role {
            turns[turns.count - 1].blocks += blocks
        } else {
            turns.append(Turn(role: role, blocks: blocks))
        }
    }

    /// A system or developer message's text: a string, or text parts joined.
    private static func systemText(_ content: JSON?, path: String) throws(TranslationError) -> String {
        switch content {
        case nil, .null?, .string?: break
        case .array(let parts)?:
            for (position, part) in parts.enumerated() where part["type"]?.string != "text" || part["text"]?.string == nil {
                throw TranslationError("\(path)[\(position)]: a system message can hold only text parts")
            }
        default: throw TranslationError("\(path): must be a string or an array of text parts")
        }
        return Completion.text(of: content)
    }

    /// Content (a string or parts) as Anthropic blocks: `text` and `refusal` parts → `text` (empty
    /// texts dropped, as Anthropic refuses them), `image_url` → `image`.
    private static func blocks(_ content: JSON?, path: String) throws(TranslationError) -> [JSON] {
        switch content {
        case nil, .null?: return []
        case .string(let text)?: return text.isEmpty ? [] : [textBlock(text)]
        case .array(let parts)?:
            var blocks: [JSON] = []
            for (position, part) in parts.enumerated() {
                let partPath = "\(path)[\(position)]"
                guard let type = part["type"]?.string else { throw TranslationError("\(partPath).type: required") }
                switch type {
                case "text", "refusal":
                    guard let text = part[type]?.string else { throw TranslationError("\(partPath).\(type): required") }
                    if !text.isEmpty { blocks.append(textBlock(text)) }
                case "image_url": blocks.append(try imageBlock(part, path: partPath))
                default: throw TranslationError("\(partPath): unsupported part type '\(type)'")
                }
            }
            return blocks
        default: throw TranslationError("\(path): must be a string or an array of parts")
        }
    }

    private static func textBlock(_ text: String) -> JSON { ["type": "text", "text": .string(text)] }

    /// An `image_url` part as an `image` block: a base64 source for a `data:` URL, else a url source.
    private static func imageBlock(_ part: JSON, path: String) throws(TranslationError) -> JSON {
        let urlPath = "\(path).image_url.url"
        guard let url = part["image_url"]?["url"]?.string ?? part["image_url"]?.string else {
            throw TranslationError("\(urlPath): required")
        }
        let scheme = url.prefix(8).lowercased()
        if scheme.hasPrefix("data:") {
            let marker = ";base64,"
            guard let range = url.firstRange(of: marker) else {
                throw TranslationError("\(urlPath): a data URL must be base64 (data:<media type>;base64,<data>)")
            }
            let mediaType = url[url.index(url.startIndex, offsetBy: 5)..<range.lowerBound]
            guard !mediaType.isEmpty else { throw TranslationError("\(urlPath): the data URL names no media type") }
            let data = String(url[range.upperBound...])
            return ["type": "image", "source": ["type": "base64", "media_type": .string(String(mediaType)), "data": .string(data)]]
        }
        guard scheme.hasPrefix("https://") || scheme.hasPrefix("http://") else {
            throw TranslationError("\(urlPath): only http(s) and data URLs are supported")
        }
        return ["type": "image", "source": ["type": "url", "url": .string(url)]]
    }

    /// An assistant message's text blocks, then its `tool_calls` as `tool_use` blocks.
    private static func assistantBlocks(_ message: JSON, path: String) throws(TranslationError) -> [JSON] {
        var blocks = try blocks(message["content"], path: "\(path).content")
        let calls: [JSON]
        switch message["tool_calls"] {
        case nil, .null?: calls = []
        case .array(let array)?: calls = array
        default: throw TranslationError("\(path).tool_calls: must be an array")
        }
        for (position, call) in calls.enumerated() {
            let callPath = "\(path).tool_calls[\(position)]"
            if let type = call["type"]?.string, type != "function" {
                throw TranslationError("\(callPath).type: unsupported tool call type '\(type)'")
            }
            guard let id = call["id"]?.string, !id.isEmpty else { throw TranslationError("\(callPath).id: required") }
            guard let name = call["function"]?["name"]?.string, !name.isEmpty else {
                throw TranslationError("\(callPath).function.name: required")
            }
            let input = try arguments(call["function"]?["arguments"], path: "\(callPath).function.arguments")
            blocks.append(["type": "tool_use", "id": .string(id), "name": .string(name), "input": input])
        }
        return blocks
    }

    /// Tool-call arguments as the `input` object: JSON text of an object (empty text is `{}`), or
    /// an object given as is.
    private static func arguments(_ value: JSON?, path: String) throws(TranslationError) -> JSON {
        guard let text = ChatStreamReader.argumentsText(value) else {
            guard value == nil || value == .null else { throw TranslationError("\(path): must be a string of JSON") }
            return [:]
        }
        if text.allSatisfy(\.isWhitespace) { return [:] }
        let input: JSON
        do {
            input = try JSONParser.parse(text)
        } catch {
            throw TranslationError("\(path): not valid JSON (\(error))")
        }
        guard input.object != nil else { throw TranslationError("\(path): must be a JSON object") }
        return input
    }

    /// A `tool` message as a `tool_result` block (content as text, or text and image blocks).
    private static func toolResult(_ message: JSON, path: String) throws(TranslationError) -> JSON {
        guard let id = message["tool_call_id"]?.string, !id.isEmpty else {
            throw TranslationError("\(path).tool_call_id: required")
        }
        var result: JSON = ["type": "tool_result", "tool_use_id": .string(id)]
        if let text = message["content"]?.string {
            if !text.isEmpty { result["content"] = .string(text) }
        } else {
            let blocks = try blocks(message["content"], path: "\(path).content")
            if !blocks.isEmpty { result["content"] = .array(blocks) }
        }
        return result
    }

    /// `max_completion_tokens` (or the older `max_tokens`), else the default.
    private static func maxTokens(_ chat: JSON) throws(TranslationError) -> Int {
        for key in ["max_completion_tokens", "max_tokens"] {
            guard let value = chat[key], !value.isNull else { continue }
            guard let tokens = value.int, tokens > 0 else { throw TranslationError("\(key): must be a positive integer") }
            return tokens
        }
        return defaultMaxTokens
    }

    /// Function tools as Anthropic tools (`parameters` → `input_schema`, an empty object schema
    /// when absent).
    private static func tools(_ value: JSON?) throws(TranslationError) -> [JSON] {
        guard let value, !value.isNull else { return [] }
        guard let tools = value.array else { throw TranslationError("tools: must be an array") }
        var translated: [JSON] = []
        for (position, tool) in tools.enumerated() {
            let path = "tools[\(position)]"
            guard tool["type"]?.string == "function" else {
                throw TranslationError("\(path).type: unsupported tool type '\(tool["type"]?.string ?? "")'")
            }
            guard let name = tool["function"]?["name"]?.string, !name.isEmpty else {
                throw TranslationError("\(path).function.name: required")
            }
            var anthropic: JSON = ["name": .string(name)]
            anthropic["description"] = tool["function"]?["description"]?.string.map(JSON.string)
            anthropic["input_schema"] = tool["function"]?["parameters"] ?? ["type": "object", "properties": [:]]
            translated.append(anthropic)
        }
        return translated
    }

    /// `tool_choice` ("none", "auto", "required", or a named function) with
    /// `parallel_tool_calls: false` as `disable_parallel_tool_use` (only where there are tools).
    private static func toolChoice(_ chat: JSON, hasTools: Bool) throws(TranslationError) -> JSON? {
        var choice: JSON?
        switch chat["tool_choice"] {
        case nil, .null?: choice = nil
        case .string("none")?: choice = ["type": "none"]
        case .string("auto")?: choice = ["type": "auto"]
        case .string("required")?: choice = ["type": "any"]
        case .object(let object)? where object["type"]?.string == "function":
            guard let name = object["function"]?["name"]?.string, !name.isEmpty else {
                throw TranslationError("tool_choice.function.name: required")
            }
            choice = ["type": "tool", "name": .string(name)]
        default: throw TranslationError("tool_choice: must be \"none\", \"auto\", \"required\" or a function")
        }
        if chat["parallel_tool_calls"]?.bool == false && hasTools && choice?["type"]?.string != "none" {
            choice = choice ?? ["type": "auto"]
            choice?["disable_parallel_tool_use"] = true
        }
        return choice
    }

    /// `stop` (a string or strings) as `stop_sequences`.
    private static func stopSequences(_ value: JSON?) throws(TranslationError) -> JSON? {
        switch value {
        case nil, .null?: return nil
        case .string(let sequence)?: return [.string(sequence)]
        case .array(let sequences)?:
            for (position, sequence) in sequences.enumerated() where sequence.string == nil {
                throw TranslationError("stop[\(position)]: must be a string")
            }
            return sequences.isEmpty ? nil : .array(sequences)
        default: throw TranslationError("stop: must be a string or an array of strings")
        }
    }

    /// The number at `key`, nil when absent.
    private static func number(_ chat: JSON, _ key: String) throws(TranslationError) -> Double? {
        guard let value = chat[key], !value.isNull else { return nil }
        guard let number = value.double else { throw TranslationError("\(key): must be a number") }
        return number
    }

    /// Refuses what cannot be honoured over Anthropic without changing the answer.
    private static func refuseUnsupported(_ chat: JSON) throws(TranslationError) {
        if let count = chat["n"], !count.isNull, count.int != 1 {
            throw TranslationError("n: only one choice is supported by this bridge")
        }
    }

    /// `response_format` `json_schema` → Anthropic's structured output, `output_config.format`
    /// (its JSON text comes back as a text block, which becomes the message content). `json_object`
    /// (JSON without a schema) has no Anthropic equivalent and is refused, never dropped.
    private static func outputConfig(_ chat: JSON) throws(TranslationError) -> JSON? {
        guard let format = chat["response_format"], !format.isNull else { return nil }
        switch format["type"]?.string {
        case "text": return nil
        case "json_schema":
            guard let schema = format["json_schema"]?["schema"], schema.object != nil else {
                throw TranslationError("response_format.json_schema.schema: required, an object")
            }
            return ["format": ["type": "json_schema", "schema": schema]]
        case let type:
            throw TranslationError(
                "response_format: '\(type ?? "")' has no equivalent on an Anthropic bridge; send a json_schema format (Responses: text.format)")
        }
    }
}
