import Translation

/// What the ledger learns from a stream's neutral events: the reported usage, the characters
/// generated (for an estimate), and how the stream failed, if it did.
struct StreamTally: Sendable {
    private(set) var usage: TokenUsage?
    private(set) var outputCharacters = 0
    private(set) var errorCode: String?

    mutating func count(_ event: StreamEvent) {
        switch event {
        case .usage(let reported): usage = TokenUsage(input: reported.input, output: reported.output, estimated: false)
        case .text(let text): outputCharacters += text.count
        case .toolArguments(_, let fragment): outputCharacters += fragment.count
        case .failed: errorCode = "upstream_error"
        default: break
        }
    }

    /// Why the stream from `bridge` did not end properly, if it did not: it broke off (`broken`),
    /// or ended without its proper end (`complete` false) and without an error of its own.
    mutating func failure(broken: String?, complete: Bool, bridge: String) -> String? {
        var reason = broken.map { "bridge \(bridge) broke off the stream (\($0))" }
        if reason == nil && !complete && errorCode == nil {
            reason = "bridge \(bridge) ended the stream before finishing its answer"
        }
        if reason != nil { errorCode = errorCode ?? "upstream_disconnected" }
        return reason
    }
}
