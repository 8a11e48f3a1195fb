/// A request that cannot be translated, saying which field and why (for a 400 in the client's
/// dialect), e.g. `messages[2].content[0]: unknown block type 'audio'`.
public struct TranslationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A stable code for the error body (`invalid_request`, `previous_response_not_found`, …).
    public let code: String
    public let message: String

    public init(_ message: String, code: String = "invalid_request") {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
