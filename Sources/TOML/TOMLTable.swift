/// A TOML table: keys in document order, each value with its line.
public struct TOMLTable: Sendable, Equatable {
    /// The keys in the order they appear in the document.
    public let keys: [String]
    /// The 1-based line of the table's header, or of its first key for inline and dotted tables.
    public let line: Int
    private let values: [String: TOMLValue]

    /// Makes a table from ordered entries; a later duplicate key replaces an earlier one.
    public init(_ entries: [(String, TOMLValue)], line: Int) {
        var keys: [String] = []
        var values: [String: TOMLValue] = [:]
        for (key, value) in entries {
            if values.updateValue(value, forKey: key) == nil { keys.append(key) }
        }
        self.keys = keys
        self.values = values
        self.line = line
    }

    /// The value under `key`, if present.
    public subscript(key: String) -> TOMLValue? { values[key] }
}
