/// TOML number literals: decimal, hex, octal and binary integers; decimal floats with exponents.
enum TOMLNumber {
    static func integer(_ token: String) -> Int64? {
        var body = Substring(token)
        for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] where body.hasPrefix(prefix) {
            body = body.dropFirst(2)
            guard let digits = digits(body, radix: radix) else { return nil }
            return Int64(digits, radix: radix)
        }
        var sign = ""
        if let first = body.first, first == "+" || first == "-" {
            sign = first == "-" ? "-" : ""
            body = body.dropFirst()
        }
        guard let digits = digits(body, radix: 10) else { return nil }
        if digits.count > 1 && digits.hasPrefix("0") { return nil }
        return Int64(sign + digits)
    }

    static func float(_ token: String) -> Double? {
        var body = Substring(token)
        if let first = body.first, first == "+" || first == "-" { body = body.dropFirst() }
        let exponentSplit = body.split(omittingEmptySubsequences: false) { $0 == "e" || $0 == "E" }
        guard exponentSplit.count <= 2 else { return nil }
        let mantissa = exponentSplit[0]
        let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, exponentSplit.count == 2 || parts.count == 2 else { return nil }
        guard let whole = digits(parts[0], radix: 10), whole.count == 1 || !whole.hasPrefix("0") else { return nil }
        if parts.count == 2 { guard digits(parts[1], radix: 10) != nil else { return nil } }
        if exponentSplit.count == 2 {
            var exponent = exponentSplit[1]
            if let first = exponent.first, first == "+" || first == "-" { exponent = exponent.dropFirst() }
            guard digits(exponent, radix: 10) != nil else { return nil }
        }
        return Double(token.filter { $0 != "_" })
    }

    static func looksLikeDate(_ token: String) -> Bool {
        let bytes = Array(token.utf8)
        let isDigit = { (i: Int) in i < bytes.count && (0x30...0x39).contains(bytes[i]) }
        let dashDate = bytes.count >= 10 && (0..<4).allSatisfy(isDigit) && bytes[4] == UInt8(ascii: "-")
        let clock = bytes.count >= 8 && isDigit(0) && isDigit(1) && bytes[2] == UInt8(ascii: ":")
        return dashDate || clock
    }

    /// The digits of `text` with underscores removed, if underscores only separate digits.
    private static func digits(_ text: Substring, radix: Int) -> String? {
        guard !text.isEmpty, text.first != "_", text.last != "_", !text.contains("__") else { return nil }
        let stripped = text.filter { $0 != "_" }
        guard stripped.allSatisfy({ $0.isASCII && $0.hexDigitValue.map { $0 < radix } == true }) else { return nil }
        return String(stripped)
    }
}
