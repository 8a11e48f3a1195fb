/// Parses JSON text (RFC 8259) into `JSON`, keeping object key order; errors name the problem and
/// its line and column. Nesting deeper than 256 levels is refused rather than risking the stack.
public struct JSONParser {
    private let bytes: [UInt8]
    private var index = 0
    private var depth = 0
    private static let maximumDepth = 256

    private init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// The one JSON value in `bytes` (surrounding whitespace allowed).
    public static func parse(_ bytes: some Sequence<UInt8>) throws(JSONError) -> JSON {
        var parser = JSONParser(Array(bytes))
        parser.skipWhitespace()
        let value = try parser.value()
        parser.skipWhitespace()
        guard parser.index == parser.bytes.count else { throw parser.error("unexpected text after the JSON value") }
        return value
    }

    /// The one JSON value in `text`.
    public static func parse(_ text: String) throws(JSONError) -> JSON {
        try parse(Array(text.utf8))
    }

    /// The value of the last member called `key` anywhere in the JSON text `bytes`, parsed alone:
    /// a cheap way to read one small member (`usage`, at the end of an answer) without parsing
    /// the whole document. A quote inside a JSON string is always escaped, so an unescaped
    /// `"key"` followed by `:` can only be a member name. Nil when there is none or it is not
    /// valid JSON.
    public static func lastMember(_ key: String, in bytes: [UInt8]) -> JSON? {
        let name = Array("\"\(key)\"".utf8)
        var end = bytes.count
        while let start = lastIndex(of: name, in: bytes, before: end) {
            end = start
            guard start == 0 || bytes[start - 1] != UInt8(ascii: "\\") else { continue }
            var parser = JSONParser(Array(bytes[(start + name.count)...]))
            parser.skipWhitespace()
            guard parser.peek(UInt8(ascii: ":")) else { continue }
            parser.index += 1
            parser.skipWhitespace()
            return try? parser.value()
        }
        return nil
    }

    private static func lastIndex(of needle: [UInt8], in bytes: [UInt8], before end: Int) -> Int? {
        var start = end - needle.count
        while start >= 0 {
            if bytes[start] == needle[0] && bytes[start..<start + needle.count].elementsEqual(needle) { return start }
            start -= 1
        }
        return nil
    }

    private mutating func value() throws(JSONError) -> JSON {
        guard index < bytes.count else { throw error("unexpected end of input") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default: throw error("unexpected character '\(Self.printable(bytes[index]))'")
        }
    }

    private mutating func object() throws(JSONError) -> JSON {
        try enter()
        index += 1
        var object = JSONObject()
        skipWhitespace()
        if peek(UInt8(ascii: "}")) {
            index += 1
            depth -= 1
            return .object(object)
        }
        while true {
            skipWhitespace()
            guard peek(UInt8(ascii: "\"")) else { throw error("expected a string key") }
            let key = try string()
            skipWhitespace()
            guard peek(UInt8(ascii: ":")) else { throw error("expected ':' after key \"\(key)\"") }
            index += 1
            skipWhitespace()
            object[key] = try value()
            skipWhitespace()
            if peek(UInt8(ascii: ",")) {
                index += 1
            } else if peek(UInt8(ascii: "}")) {
                index += 1
                depth -= 1
                return .object(object)
            } else {
                throw error(index < bytes.count ? "expected ',' or '}' in an object" : "unexpected end of input in an object")
            }
        }
    }

    private mutating func array() throws(JSONError) -> JSON {
        try enter()
        index += 1
        var elements: [JSON] = []
        skipWhitespace()
        if peek(UInt8(ascii: "]")) {
            index += 1
            depth -= 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try value())
            skipWhitespace()
            if peek(UInt8(ascii: ",")) {
                index += 1
            } else if peek(UInt8(ascii: "]")) {
                index += 1
                depth -= 1
                return .array(elements)
            } else {
                throw error(index < bytes.count ? "expected ',' or ']' in an array" : "unexpected end of input in an array")
            }
        }
    }

    private mutating func string() throws(JSONError) -> String {
        index += 1
        var scalars: [UInt8] = []
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return String(decoding: scalars, as: UTF8.self)
            case UInt8(ascii: "\\"):
                index += 1
                guard index < bytes.count else { throw error("unexpected end of input in a string") }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""): scalars.append(UInt8(ascii: "\""))
                case UInt8(ascii: "\\"): scalars.append(UInt8(ascii: "\\"))
                case UInt8(ascii: "/"): scalars.append(UInt8(ascii: "/"))
                case UInt8(ascii: "b"): scalars.append(8)
                case UInt8(ascii: "f"): scalars.append(12)
                case UInt8(ascii: "n"): scalars.append(10)
                case UInt8(ascii: "r"): scalars.append(13)
                case UInt8(ascii: "t"): scalars.append(9)
                case UInt8(ascii: "u"): scalars += try unicodeEscape()
                default: throw error("invalid escape '\\\(Self.printable(escape))' in a string")
                }
            case 0..<0x20:
                throw error("unescaped control character in a string")
            default:
                scalars.append(byte)
                index += 1
            }
        }
        throw error("unexpected end of input in a string")
    }

    /// After `\u`: four hex digits, a surrogate pair taken whole; a lone surrogate becomes U+FFFD.
    private mutating func unicodeEscape() throws(JSONError) -> [UInt8] {
        var code = try hex4()
        if (0xD800..<0xDC00).contains(code) {
            if index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") {
                index += 2
                let low = try hex4()
                code = (0xDC00..<0xE000).contains(low) ? 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00) : 0xFFFD
            } else {
                code = 0xFFFD
            }
        } else if (0xDC00..<0xE000).contains(code) {
            code = 0xFFFD
        }
        return Array(String(Character(Unicode.Scalar(code) ?? "\u{FFFD}")).utf8)
    }

    private mutating func hex4() throws(JSONError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw error("unexpected end of input in a \\u escape") }
        var code: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw error("invalid hex digit in a \\u escape")
            }
            code = code << 4 | UInt32(digit)
            index += 1
        }
        return code
    }

    private mutating func number() throws(JSONError) -> JSON {
        let start = index
        if peek(UInt8(ascii: "-")) { index += 1 }
        if peek(UInt8(ascii: "0")) {
            index += 1
            if index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
                throw error("invalid number (leading zero)")
            }
        } else {
            guard digits() > 0 else { throw error("invalid number") }
        }
        if peek(UInt8(ascii: ".")) {
            index += 1
            guard digits() > 0 else { throw error("invalid number (no digits after '.')") }
        }
        if peek(UInt8(ascii: "e")) || peek(UInt8(ascii: "E")) {
            index += 1
            if peek(UInt8(ascii: "+")) || peek(UInt8(ascii: "-")) { index += 1 }
            guard digits() > 0 else { throw error("invalid number (no digits in the exponent)") }
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        guard let value = Double(text), value.isFinite else { throw error("number out of range") }
        return .number(value)
    }

    private mutating func digits() -> Int {
        let start = index
        while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
        return index - start
    }

    private mutating func literal(_ word: String) throws(JSONError) {
        let expected = Array(word.utf8)
        guard index + expected.count <= bytes.count, bytes[index..<index + expected.count].elementsEqual(expected) else {
            throw error("unexpected character '\(Self.printable(bytes[index]))'")
        }
        index += expected.count
    }

    private mutating func enter() throws(JSONError) {
        depth += 1
        guard depth <= Self.maximumDepth else { throw error("nested deeper than \(Self.maximumDepth) levels") }
    }

    private func peek(_ byte: UInt8) -> Bool { index < bytes.count && bytes[index] == byte }

    private mutating func skipWhitespace() {
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
    }

    private func error(_ reason: String) -> JSONError {
        var line = 1
        var column = 1
        for byte in bytes[..<min(index, bytes.count)] {
            if byte == 0x0A {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return JSONError(reason: reason, line: line, column: column)
    }

    private static func printable(_ byte: UInt8) -> String {
        (0x21..<0x7F).contains(byte) ? String(UnicodeScalar(byte)) : "0x" + String(byte, radix: 16, uppercase: true)
    }
}
