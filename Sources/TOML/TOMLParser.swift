/// Recursive-descent TOML parser over UTF-8 bytes. Builds a mutable tree of `TableNode`s, then
/// freezes it into `TOMLTable` values.
struct TOMLParser {
    /// How deep the tree may get, counting arrays, inline tables and the parts of dotted keys:
    /// far beyond any config, and short of the stack (a value nested 100,000 deep crashed `check`).
    static let maximumDepth = 64

    var bytes: [UInt8]
    var pos = 0
    var line = 1
    var lineStart = 0
    var depth = 0

    init(_ text: String) {
        bytes = Array(text.utf8)
    }

    mutating func parseDocument() throws(TOMLParseError) -> TOMLTable {
        let root = TableNode(line: 1, origin: .header)
        var current = root
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { pos = 3; lineStart = 3 }
        while true {
            skipWhitespace()
            guard let byte = peek() else { break }
            switch byte {
            case UInt8(ascii: "#"), UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                try endOfLine()
            case UInt8(ascii: "["):
                current = try parseHeader(root: root)
                try endOfLine()
            default:
                try parseKeyValue(into: current)
                try endOfLine()
            }
        }
        return root.frozen()
    }

    // MARK: Structure

    private mutating func parseHeader(root: TableNode) throws(TOMLParseError) -> TableNode {
        let headerLine = line
        advance()
        let isArray = peek() == UInt8(ascii: "[")
        if isArray { advance() }
        skipWhitespace()
        let path = try parseKeyPath()
        try expect("]", "to close the table header")
        if isArray { try expect("]", "to close the array-of-tables header") }

        var node = root
        for key in path.dropLast() {
            node = try descend(node, key: key, createAs: .implicit)
        }
        let last = path[path.count - 1]
        let name = path.joined(separator: ".")
        if isArray {
            switch node.entries[last] {
            case nil:
                let element = TableNode(line: headerLine, origin: .header)
                node.insert(last, .tableArray([element], line: headerLine))
                return element
            case .tableArray(var elements, let firstLine)?:
                let element = TableNode(line: headerLine, origin: .header)
                elements.append(element)
                node.entries[last] = .tableArray(elements, line: firstLine)
                return element
            case let existing?:
                throw error("[[\(name)]] conflicts with \(existing.description) defined at line \(existing.line)")
            }
        }
        switch node.entries[last] {
        case nil:
            let table = TableNode(line: headerLine, origin: .header)
            node.insert(last, .table(table))
            return table
        case .table(let table)? where table.origin == .implicit:
            table.origin = .header
            table.line = headerLine
            return table
        case let existing?:
            throw error("table [\(name)] is already defined at line \(existing.line)")
        }
    }

    /// Walks into `key` of `node` for a header or dotted key, creating a table where none exists.
    private func descend(_ node: TableNode, key: String, createAs origin: TableNode.Origin) throws(TOMLParseError) -> TableNode {
        switch node.entries[key] {
        case nil:
            let table = TableNode(line: line, origin: origin)
            node.insert(key, .table(table))
            return table
        case .table(let table)?:
            if origin == .dotted && table.origin != .dotted {
                throw error("key '\(key)' extends table [\(key)] defined at line \(table.line); add the key under that header instead")
            }
            return table
        case .tableArray(let elements, _)? where origin == .implicit:
            return elements[elements.count - 1]
        case let existing?:
            throw error("key '\(key)' is \(existing.description) at line \(existing.line), not a table")
        }
    }

    mutating func parseKeyValue(into table: TableNode) throws(TOMLParseError) {
        let keyLine = line
        let path = try parseKeyPath()
        try expect("=", "after the key '\(path.joined(separator: "."))'")
        skipWhitespace()
        // A dotted key's tables are levels of the tree as much as inline tables are.
        depth += path.count - 1
        defer { depth -= path.count - 1 }
        let value = try parseValue()
        var node = table
        for key in path.dropLast() {
            node = try descend(node, key: key, createAs: .dotted)
        }
        let last = path[path.count - 1]
        if let existing = node.entries[last] {
            throw TOMLParseError(
                line: keyLine, column: 1,
                message: "duplicate key '\(path.joined(separator: "."))' (first defined at line \(existing.line))")
        }
        node.insert(last, .value(value))
    }

    private mutating func parseKeyPath() throws(TOMLParseError) -> [String] {
        var path: [String] = []
        while true {
            skipWhitespace()
            path.append(try parseKey())
            // Each part is a table level; with the values' nesting, that bounds the tree's depth.
            guard depth + path.count <= Self.maximumDepth else {
                throw error("a key path nests deeper than \(Self.maximumDepth) levels")
            }
            skipWhitespace()
            guard peek() == UInt8(ascii: ".") else { return path }
            advance()
        }
    }

    private mutating func parseKey() throws(TOMLParseError) -> String {
        switch peek() {
        case UInt8(ascii: "\"")?: return try parseBasicString()
        case UInt8(ascii: "'")?: return try parseLiteralString()
        default:
            let start = pos
            while let byte = peek(), byte.isBareKeyByte { advance() }
            guard pos > start else { throw error("expected a key, found \(describeNext())") }
            return String(decoding: bytes[start..<pos], as: UTF8.self)
        }
    }

    // MARK: Whitespace and lines

    mutating func skipWhitespace() {
        while let byte = peek(), byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") { advance() }
    }

    /// Consumes an optional comment and the line break (or end of input) that must follow.
    mutating func endOfLine() throws(TOMLParseError) {
        skipWhitespace()
        if peek() == UInt8(ascii: "#") { try skipComment() }
        switch peek() {
        case nil: return
        case UInt8(ascii: "\n")?: newline()
        case UInt8(ascii: "\r")? where peek(1) == UInt8(ascii: "\n"): advance(); newline()
        default: throw error("expected the end of the line, found \(describeNext())")
        }
    }

    mutating func skipComment() throws(TOMLParseError) {
        while let byte = peek(), byte != UInt8(ascii: "\n") {
            if byte == UInt8(ascii: "\r") && peek(1) == UInt8(ascii: "\n") { return }
            if byte.isForbiddenControl { throw error("control character U+\(hex(byte)) in a comment") }
            advance()
        }
    }

    /// Skips whitespace, comments and line breaks (inside arrays).
    mutating func skipBlank() throws(TOMLParseError) {
        while true {
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: "#")?: try skipComment()
            case UInt8(ascii: "\n")?: newline()
            case UInt8(ascii: "\r")? where peek(1) == UInt8(ascii: "\n"): advance(); newline()
            default: return
            }
        }
    }

    // MARK: Scanning

    func peek(_ offset: Int = 0) -> UInt8? {
        pos + offset < bytes.count ? bytes[pos + offset] : nil
    }

    mutating func advance(_ count: Int = 1) {
        pos += count
    }

    mutating func newline() {
        pos += 1
        line += 1
        lineStart = pos
    }

    mutating func expect(_ char: Character, _ context: String) throws(TOMLParseError) {
        skipWhitespace()
        guard let ascii = char.asciiValue, peek() == ascii else {
            throw error("expected '\(char)' \(context), found \(describeNext())")
        }
        advance()
    }

    func describeNext() -> String {
        guard let byte = peek() else { return "the end of the file" }
        switch byte {
        case UInt8(ascii: "\n"), UInt8(ascii: "\r"): return "the end of the line"
        case 0x21...0x7E: return "'\(Character(Unicode.Scalar(byte)))'"
        default: return "byte 0x\(hex(byte))"
        }
    }

    func error(_ message: String) -> TOMLParseError {
        TOMLParseError(line: line, column: pos - lineStart + 1, message: message)
    }
}

func hex(_ byte: UInt8) -> String {
    let digits = Array("0123456789ABCDEF")
    return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
}

extension UInt8 {
    var isBareKeyByte: Bool {
        (0x41...0x5A).contains(self) || (0x61...0x7A).contains(self) || (0x30...0x39).contains(self)
            || self == UInt8(ascii: "_") || self == UInt8(ascii: "-")
    }

    /// Control characters TOML forbids in comments and strings (tab is allowed).
    var isForbiddenControl: Bool {
        (self < 0x20 && self != 0x09) || self == 0x7F
    }
}
