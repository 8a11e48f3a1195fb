/// A whole (non-streamed) answer in neutral terms.
public struct Completion: Sendable, Equatable {
    public struct ToolCall: Sendable, Equatable {
        public var id: String
        public var name: String
        /// The arguments as JSON text.
        public var arguments: String

        public init(id: String, name: String, arguments: String) {
            self.id = id
            self.name = name
            self.arguments = arguments
        }
    }

    public var id: String?
    public var model: String?
    public var text: String
    public var toolCalls: [ToolCall]
    public var stopReason: StopReason
    public var usage: Usage?

    public init(id: String? = nil, model: String? = nil, text: String = "", toolCalls: [ToolCall] = [], stopReason: StopReason = .endTurn, usage: Usage? = nil) {
        self.id = id
        self.model = model
        self.text = text
        self.toolCalls = toolCalls
        self.stopReason = stopReason
        self.usage = usage
    }

    /// An OpenAI `chat.completion`: every choice's text and tool calls (bridges that split text
    /// and calls over choices included), arguments given as an object re-encoded as text; a
    /// `stop` with tool calls is a tool-use stop.
    public init(chat json: JSON) {
        self.init(id: json["id"]?.string, model: json["model"]?.string, usage: Usage(chat: json["usage"]))
        var reason: String?
        for choice in json["choices"]?.array ?? [] {
            let message = choice["message"]
            text += Self.text(of: message?["content"])
            for call in message?["tool_calls"]?.array ?? [] {
                let function = call["function"]
                toolCalls.append(ToolCall(
                    id: call["id"]?.string ?? "call_\(toolCalls.count)", name: function?["name"]?.string ?? "",
                    arguments: ChatStreamReader.argumentsText(function?["arguments"]) ?? "{}"))
            }
            reason = reason ?? choice["finish_reason"]?.string
        }
        stopReason = reason.map(StopReason.init(chat:)) ?? .endTurn
        if !toolCalls.isEmpty && stopReason == .endTurn { stopReason = .toolUse }
    }

    /// Chat content: a string, or an array of parts whose `text` counts.
    static func text(of content: JSON?) -> String {
        if let text = content?.string { return text }
        return (content?.array ?? []).compactMap { $0["text"]?.string }.joined()
    }
}
