extension Completion {
    /// The answer as an OpenAI chat assistant message: its text (`null` when the answer is only
    /// tool calls) and its `tool_calls`.
    var chatMessage: JSON {
        var message: JSON = ["role": "assistant", "content": text.isEmpty && !toolCalls.isEmpty ? .null : .string(text)]
        if !toolCalls.isEmpty { message["tool_calls"] = .array(toolCalls.map(\.chatJSON)) }
        return message
    }
}

extension Completion.ToolCall {
    /// The call as an OpenAI chat `tool_calls` entry.
    var chatJSON: JSON {
        ["id": .string(id), "type": "function", "function": ["name": .string(name), "arguments": .string(arguments)]]
    }
}
