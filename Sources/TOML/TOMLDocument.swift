/// A parsed TOML document (TOML 1.0 without date-times), keeping the line of every key.
public struct TOMLDocument: Sendable, Equatable {
    /// The document's root table.
    public let root: TOMLTable

    /// Parses `text`; throws the first syntax or structure error with its line and column.
    public init(parsing text: String) throws(TOMLParseError) {
        var parser = TOMLParser(text)
        root = try parser.parseDocument()
    }
}
