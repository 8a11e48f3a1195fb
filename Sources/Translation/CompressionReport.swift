/// What `PromptCompressor` did to a request: how many individual edits it made (one per text
/// whose whitespace was tidied, one per duplicate block omitted) and the tokens that saved,
/// estimated with `TokenEstimate` from the characters removed. Stored on the request's ledger row.
public struct CompressionReport: Sendable, Equatable {
    /// The number of individual edits.
    public let operations: Int
    /// `TokenEstimate.tokens(characters:)` of all the characters removed.
    public let tokensSaved: Int

    /// A report of `operations` edits saving `tokensSaved` tokens.
    public init(operations: Int, tokensSaved: Int) {
        self.operations = operations
        self.tokensSaved = tokensSaved
    }
}
