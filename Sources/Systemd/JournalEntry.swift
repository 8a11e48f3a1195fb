/// One structured journal entry: `FIELD=value` pairs in order. A field may repeat (a tunnel's
/// notice carries one `BRIDGE=` per bridge it took down), as journald allows.
public struct JournalEntry: Sendable, Equatable {
    /// One `NAME=value` pair. Names are upper-case letters, digits and `_`, not starting with `_`.
    public struct Field: Sendable, Equatable {
        /// The field name, e.g. `MESSAGE_ID`.
        public var name: String
        /// The value; may hold any UTF-8, newlines included.
        public var value: String

        /// Makes a field.
        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    /// The fields, in the order they are sent.
    public var fields: [Field]

    /// Makes an entry.
    public init(fields: [Field]) {
        self.fields = fields
    }

    /// The first value of field `name`, or nil when the entry has none.
    public subscript(name: String) -> String? {
        fields.first { $0.name == name }?.value
    }

    /// Every value of field `name`, in order.
    public func values(of name: String) -> [String] {
        fields.filter { $0.name == name }.map(\.value)
    }
}
