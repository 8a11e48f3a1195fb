/// Tokens in and out of one request, as the upstream reported them or as estimated.
struct TokenUsage: Sendable, Equatable {
    var input: Int
    var output: Int
    var estimated: Bool

    init(input: Int, output: Int, estimated: Bool) {
        self.input = input
        self.output = output
        self.estimated = estimated
    }

    /// A rough estimate (4 characters a token) when the upstream reports nothing.
    static func estimate(inputCharacters: Int, outputCharacters: Int) -> TokenUsage {
        TokenUsage(input: (inputCharacters + 3) / 4, output: (outputCharacters + 3) / 4, estimated: true)
    }
}
