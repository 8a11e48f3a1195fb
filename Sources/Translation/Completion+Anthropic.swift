extension Completion {
    /// An Anthropic `message`: its `text` blocks joined, its `tool_use` blocks as tool calls (the
    /// `input` object encoded as JSON text), `stop_reason`/`stop_sequence` and `usage` (cache
    /// reads and writes counted as input). Thinking and other blocks are not part of the answer.
    public init(anthropic json: JSON) {
        self.init(id: json["id"]?.string, model: json["model"]?.string, usage: Usage(anthropic: json["usage"]))
        for block in json["content"]?.array ?? [] {
            switch block["type"]?.string {
            case "text": text += block["text"]?.string ?? ""
            case "tool_use":
                toolCalls.append(ToolCall(
                    id: block["id"]?.string ?? "toolu_\(toolCalls.count)", name: block["name"]?.string ?? "",
                    arguments: ChatStreamReader.argumentsText(block["input"]) ?? "{}"))
            default: break
            }
        }
        if let reason = json["stop_reason"]?.string {
            stopReason = StopReason(anthropic: reason, sequence: json["stop_sequence"]?.string)
        }
    }
}
