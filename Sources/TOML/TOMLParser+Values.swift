extension TOMLParser {
    mutating func parseValue() throws(TOMLParseError) -> TOMLValue {
        let valueLine = line
        switch peek() {
        case UInt8(ascii: "\"")?:
            if peek(1) == UInt8(ascii: "\"") && peek(2) == UInt8(ascii: "\"") {
                return TOMLValue(.string(try parseMultilineString(literal: false)), line: valueLine)
            }
            return TOMLValue(.string(try parseBasicString()), line: valueLine)
        case UInt8(ascii: "'")?:
            if peek(1) == UInt8(ascii: "'") && peek(2) == UInt8(ascii: "'") {
                return TOMLValue(.string(try parseMultilineString(literal: true)), line: valueLine)
            }
            return TOMLValue(.string(try parseLiteralString()), line: valueLine)
        case UInt8(ascii: "[")?:
            try enterNesting()
            defer { depth -= 1 }
            return TOMLValue(.array(try parseArray()), line: valueLine)
        case UInt8(ascii: "{")?:
            try enterNesting()
            defer { depth -= 1 }
            return TOMLValue(.table(try parseInlineTable()), line: valueLine)
        case nil, UInt8(ascii: "\n")?, UInt8(ascii: "\r")?, UInt8(ascii: "#")?:
            throw error("expected a value")
        default:
            return TOMLValue(try parseScalar(), line: valueLine)
        }
    }

    private mutating func enterNesting() throws(TOMLParseError) {
        guard depth < Self.maximumDepth else {
            throw error("arrays and inline tables nest deeper than \(Self.maximumDepth) levels")
        }
        depth += 1
    }

    // MARK: Strings

    mutating func parseBasicString() throws(TOMLParseError) -> String {
        advance()
        var scalars = String.UnicodeScalarView()
        var raw: [UInt8] = []
        while true {
            guard let byte = peek(), byte != UInt8(ascii: "\n") else {
                throw error("unterminated string: a basic string must close on the line it opens")
            }
            if byte == UInt8(ascii: "\"") { advance(); break }
            if byte == UInt8(ascii: "\\") {
                flush(&raw, into: &scalars)
                scalars.append(try parseEscape())
                continue
            }
            if byte.isForbiddenControl { throw error("control character U+00\(hex(byte)) in a string; escape it") }
            raw.append(byte)
            advance()
        }
        flush(&raw, into: &scalars)
        return String(scalars)
    }

    mutating func parseLiteralString() throws(TOMLParseError) -> String {
        advance()
        let start = pos
        while true {
            guard let byte = peek(), byte != UInt8(ascii: "\n") else {
                throw error("unterminated string: a literal string must close on the line it opens")
            }
            if byte == UInt8(ascii: "'") { break }
            if byte.isForbiddenControl { throw error("control character U+00\(hex(byte)) in a string") }
            advance()
        }
        let text = String(decoding: bytes[start..<pos], as: UTF8.self)
        advance()
        return text
    }

    mutating func parseMultilineString(literal: Bool) throws(TOMLParseError) -> String {
        let quote = literal ? UInt8(ascii: "'") : UInt8(ascii: "\"")
        advance(3)
        // A line break right after the opening delimiter is trimmed.
        if peek() == UInt8(ascii: "\n") {
            newline()
        } else if peek() == UInt8(ascii: "\r") && peek(1) == UInt8(ascii: "\n") {
            advance()
            newline()
        }
        var scalars = String.UnicodeScalarView()
        var raw: [UInt8] = []
        while true {
            guard let byte = peek() else { throw error("unterminated multi-line string") }
            if byte == quote && peek(1) == quote && peek(2) == quote {
                // Up to two quotes may sit right before the closing delimiter.
                var extra = 0
                while extra < 2 && peek(3 + extra) == quote { extra += 1 }
                raw.append(contentsOf: Array(repeating: quote, count: extra))
                advance(3 + extra)
                break
            }
            if byte == UInt8(ascii: "\n") {
                raw.append(byte)
                newline()
                continue
            }
            if !literal && byte == UInt8(ascii: "\\") {
                flush(&raw, into: &scalars)
                if try skipLineEndingBackslash() { continue }
                scalars.append(try parseEscape())
                continue
            }
            if byte.isForbiddenControl && !(byte == UInt8(ascii: "\r") && peek(1) == UInt8(ascii: "\n")) {
                throw error("control character U+00\(hex(byte)) in a string")
            }
            raw.append(byte)
            advance()
        }
        flush(&raw, into: &scalars)
        return String(scalars)
    }

    /// A backslash that ends a line in a multi-line basic string trims the break and following blanks.
    private mutating func skipLineEndingBackslash() throws(TOMLParseError) -> Bool {
        var probe = 1
        while peek(probe) == UInt8(ascii: " ") || peek(probe) == UInt8(ascii: "\t") { probe += 1 }
        guard peek(probe) == UInt8(ascii: "\n") || (peek(probe) == UInt8(ascii: "\r") && peek(probe + 1) == UInt8(ascii: "\n")) else {
            return false
        }
        advance(probe)
        while true {
            switch peek() {
            case UInt8(ascii: " ")?, UInt8(ascii: "\t")?, UInt8(ascii: "\r")?: advance()
            case UInt8(ascii: "\n")?: newline()
            default: return true
            }
        }
    }

    private mutating func parseEscape() throws(TOMLParseError) -> Unicode.Scalar {
        advance()
        guard let byte = peek() else { throw error("unterminated escape sequence") }
        advance()
        switch byte {
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "e"): return "\u{1B}"
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "u"), UInt8(ascii: "U"):
            let count = byte == UInt8(ascii: "u") ? 4 : 8
            guard pos + count <= bytes.count,
                let code = UInt32(String(decoding: bytes[pos..<pos + count], as: UTF8.self), radix: 16),
                let scalar = Unicode.Scalar(code)
            else { throw error("invalid \\\(Character(Unicode.Scalar(byte))) escape: expected \(count) hex digits of a Unicode scalar") }
            advance(count)
            return scalar
        default:
            throw error("invalid escape sequence '\\\(Character(Unicode.Scalar(byte)))'")
        }
    }

    private func flush(_ raw: inout [UInt8], into scalars: inout String.UnicodeScalarView) {
        guard !raw.isEmpty else { return }
        scalars.append(contentsOf: String(decoding: raw, as: UTF8.self).unicodeScalars)
        raw.removeAll(keepingCapacity: true)
    }

    // MARK: Arrays and inline tables

    private mutating func parseArray() throws(TOMLParseError) -> [TOMLValue] {
        advance()
        var values: [TOMLValue] = []
        while true {
            try skipBlank()
            if peek() == UInt8(ascii: "]") { advance(); return values }
            values.append(try parseValue())
            try skipBlank()
            switch peek() {
            case UInt8(ascii: ",")?: advance()
            case UInt8(ascii: "]")?: advance(); return values
            default: throw error("expected ',' or ']' in an array, found \(describeNext())")
            }
        }
    }

    private mutating func parseInlineTable() throws(TOMLParseError) -> TOMLTable {
        let tableLine = line
        advance()
        let node = TableNode(line: tableLine, origin: .header)
        skipWhitespace()
        if peek() == UInt8(ascii: "}") { advance(); return node.frozen() }
        while true {
            try parseKeyValue(into: node)
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ",")?: advance(); skipWhitespace()
            case UInt8(ascii: "}")?: advance(); return node.frozen()
            default: throw error("expected ',' or '}' in an inline table, found \(describeNext())")
            }
        }
    }

    // MARK: Scalars

    private mutating func parseScalar() throws(TOMLParseError) -> TOMLValue.Kind {
        let start = pos
        let column = pos - lineStart + 1
        while let byte = peek(), !byte.endsScalar { advance() }
        let token = String(decoding: bytes[start..<pos], as: UTF8.self)
        let tokenLine = line
        let fail = { (what: String) in TOMLParseError(line: tokenLine, column: column, message: what) }
        switch token {
        case "true": return .boolean(true)
        case "false": return .boolean(false)
        case "inf", "+inf": return .float(.infinity)
        case "-inf": return .float(-.infinity)
        case "nan", "+nan", "-nan": return .float(.nan)
        default: break
        }
        if token.isEmpty { throw error("expected a value, found \(describeNext())") }
        if let integer = TOMLNumber.integer(token) { return .integer(integer) }
        if let float = TOMLNumber.float(token) { return .float(float) }
        if TOMLNumber.looksLikeDate(token) {
            throw fail("date-time values are not supported here; quote it as a string")
        }
        throw fail("'\(token.prefix(40))' is not a valid value: strings need quotes (\"…\")")
    }
}

extension UInt8 {
    var endsScalar: Bool {
        self == UInt8(ascii: ",") || self == UInt8(ascii: "]") || self == UInt8(ascii: "}")
            || self == UInt8(ascii: " ") || self == UInt8(ascii: "\t") || self == UInt8(ascii: "\n")
            || self == UInt8(ascii: "\r") || self == UInt8(ascii: "#")
    }
}
