/// Opt-in, meaning-preserving trimming of a translated request before it goes to a bridge (off by
/// default: meant for models configured with `compress = true`). It reads both request
/// dialects a bridge speaks: OpenAI chat (`messages[].content` as a string or `text` parts) and
/// Anthropic Messages (`system` and `messages[].content` as a string or `text` blocks).
///
/// Only prose the client wrote is edited: the texts of `system`, `developer` and `user` turns.
/// Assistant turns, tool calls and their arguments, tool results (`tool` turns, `tool_result`
/// blocks), images and every other part or block are passed through as they are, and so is any
/// text that is JSON or code as a whole (see `ProseWhitespace.isProse(_:)`). Two edits are made:
/// 1. whitespace in prose is tidied, never inside code (`ProseWhitespace.collapsed(_:)`);
/// 2. a text of at least `minimumDuplicateLength` characters identical to an earlier text of such
///    a turn is replaced by `duplicateMarker` (the earlier one is kept). Texts are compared as
///    they are sent, after tidying, so two blocks that differ only in collapsible whitespace
///    count as identical and a second compression finds nothing left to do.
/// Each tidied text and each omitted duplicate is one operation of the report.
public struct PromptCompressor: Sendable {
    /// What replaces a repeated block: `[identical to an earlier block; omitted]`.
    public static let duplicateMarker = "[identical to an earlier block; omitted]"
    /// The fewest characters a text needs to be replaced as a duplicate (well above the marker's
    /// length, so a replacement always saves characters).
    public static let minimumDuplicateLength = 256
    /// The turns whose texts are edited: the client's own, never the model's or a tool's.
    private static let editedRoles: Set<String> = ["system", "developer", "user"]

    /// A compressor; it keeps no state between requests.
    public init() {}

    /// `request` with its prose compressed, and what that did. A request with nothing to
    /// compress (or not a request object) comes back unchanged with a zero report.
    public func compress(_ request: JSON) -> (request: JSON, report: CompressionReport) {
        var seen: Set<String> = []
        var operations = 0
        var charactersRemoved = 0

        func compressed(_ text: String) -> String {
            guard ProseWhitespace.isProse(text) else { return text }
            let tidied = ProseWhitespace.collapsed(text)
            if tidied.count >= Self.minimumDuplicateLength && !seen.insert(tidied).inserted {
                operations += 1
                charactersRemoved += text.count - Self.duplicateMarker.count
                return Self.duplicateMarker
            }
            if tidied != text {
                operations += 1
                charactersRemoved += text.count - tidied.count
            }
            return tidied
        }

        func compressed(content: JSON) -> JSON {
            if let text = content.string { return .string(compressed(text)) }
            guard let parts = content.array else { return content }
            return .array(parts.map { part in
                guard part["type"]?.string == "text", let text = part["text"]?.string else { return part }
                var part = part
                part["text"] = .string(compressed(text))
                return part
            })
        }

        var request = request
        if let system = request["system"] {
            request["system"] = compressed(content: system)
        }
        if var messages = request["messages"]?.array {
            for index in messages.indices where Self.editedRoles.contains(messages[index]["role"]?.string ?? "") {
                if let content = messages[index]["content"] {
                    messages[index]["content"] = compressed(content: content)
                }
            }
            request["messages"] = .array(messages)
        }
        let report = CompressionReport(operations: operations, tokensSaved: TokenEstimate.tokens(characters: charactersRemoved))
        return (request, report)
    }
}
