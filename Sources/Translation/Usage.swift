/// Tokens of one exchange, as an upstream reported them.
public struct Usage: Sendable, Equatable {
    public var input: Int
    public var output: Int

    public init(input: Int, output: Int) {
        self.input = input
        self.output = output
    }

    /// OpenAI chat's `usage` (`prompt_tokens`, `completion_tokens`), if `json` is one.
    public init?(chat json: JSON?) {
        guard let input = json?["prompt_tokens"]?.int else { return nil }
        self.init(input: input, output: json?["completion_tokens"]?.int ?? 0)
    }

    /// Anthropic's `usage` (`input_tokens` plus cache reads and writes, `output_tokens`).
    public init?(anthropic json: JSON?) {
        guard let json, json["input_tokens"]?.int != nil || json["output_tokens"]?.int != nil else { return nil }
        let input = (json["input_tokens"]?.int ?? 0) + (json["cache_read_input_tokens"]?.int ?? 0)
            + (json["cache_creation_input_tokens"]?.int ?? 0)
        self.init(input: input, output: json["output_tokens"]?.int ?? 0)
    }

    /// The Responses API's `usage` (`input_tokens`, `output_tokens`).
    public init?(responses json: JSON?) {
        guard let input = json?["input_tokens"]?.int else { return nil }
        self.init(input: input, output: json?["output_tokens"]?.int ?? 0)
    }
}
