extension Usage {
    /// OpenAI chat's `usage`: `prompt_tokens`, `completion_tokens` and their `total_tokens`.
    var chatJSON: JSON {
        ["prompt_tokens": .int(input), "completion_tokens": .int(output), "total_tokens": .int(input + output)]
    }
}
