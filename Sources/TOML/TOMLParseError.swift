/// A TOML syntax or structure error, with the position it was found at.
public struct TOMLParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The 1-based line.
    public let line: Int
    /// The 1-based column, in bytes.
    public let column: Int
    /// What was wrong, in words that never quote more than the offending token.
    public let message: String

    /// Makes an error at a position.
    public init(line: Int, column: Int, message: String) {
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String { "line \(line), column \(column): \(message)" }
}
