/// The parser's mutable view of a table while the document is read; frozen into `TOMLTable`.
final class TableNode {
    /// How a table came to exist, which decides what may extend it later.
    enum Origin {
        /// Named by a `[header]` or `[[header]]`.
        case header
        /// Created on the way to a deeper `[a.b]` header; a later `[a]` may still define it.
        case implicit
        /// Created by a dotted key `a.b = 1`.
        case dotted
    }

    enum Entry {
        case value(TOMLValue)
        case table(TableNode)
        case tableArray([TableNode], line: Int)

        var line: Int {
            switch self {
            case .value(let value): value.line
            case .table(let table): table.line
            case .tableArray(_, let line): line
            }
        }

        var description: String {
            switch self {
            case .value(let value): "a \(value.typeName) value"
            case .table: "a table"
            case .tableArray: "an array of tables"
            }
        }
    }

    var line: Int
    var origin: Origin
    var entries: [String: Entry] = [:]
    private var order: [String] = []

    init(line: Int, origin: Origin) {
        self.line = line
        self.origin = origin
    }

    func insert(_ key: String, _ entry: Entry) {
        if entries.updateValue(entry, forKey: key) == nil { order.append(key) }
    }

    func frozen() -> TOMLTable {
        TOMLTable(
            order.map { key in
                switch entries[key]! {
                case .value(let value):
                    return (key, value)
                case .table(let table):
                    return (key, TOMLValue(.table(table.frozen()), line: table.line))
                case .tableArray(let elements, let line):
                    let tables = elements.map { TOMLValue(.table($0.frozen()), line: $0.line) }
                    return (key, TOMLValue(.array(tables), line: line))
                }
            },
            line: line
        )
    }
}
