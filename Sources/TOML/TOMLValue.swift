/// A TOML value and the line it starts on.
public struct TOMLValue: Sendable, Equatable {
    /// The kinds of value this reader produces (TOML date-times are refused at parse time).
    public enum Kind: Sendable, Equatable {
        case string(String)
        case integer(Int64)
        case float(Double)
        case boolean(Bool)
        case array([TOMLValue])
        case table(TOMLTable)
    }

    /// What the value is.
    public let kind: Kind
    /// The 1-based line the value (or its table header) starts on.
    public let line: Int

    /// Makes a value; `line` is 1-based.
    public init(_ kind: Kind, line: Int) {
        self.kind = kind
        self.line = line
    }

    /// The TOML name of this value's type, for error messages ("string", "integer", …).
    public var typeName: String {
        switch kind {
        case .string: "string"
        case .integer: "integer"
        case .float: "float"
        case .boolean: "boolean"
        case .array: "array"
        case .table: "table"
        }
    }
}
