extension Duration {
    /// Parses a config duration: one to four `<integer><unit>` parts, unit `ms`, `s`, `m` or `h`
    /// (`"500ms"`, `"10s"`, `"1m30s"`). Returns nil for anything else, including bare numbers.
    /// Parts have at most 9 digits, so no sum can overflow.
    init?(configText text: String) {
        var total = Duration.zero
        var rest = Substring(text)
        var parts = 0
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            parts += 1
            guard parts <= 4 else { return nil }
            let digits = rest.prefix(while: { $0.isASCII && $0.isNumber })
            guard !digits.isEmpty, digits.count <= 9, let amount = Int64(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            let unit = rest.prefix(while: { $0.isASCII && $0.isLetter })
            rest = rest.dropFirst(unit.count)
            switch unit {
            case "ms": total += .milliseconds(amount)
            case "s": total += .seconds(amount)
            case "m": total += .seconds(amount * 60)
            case "h": total += .seconds(amount * 3600)
            default: return nil
            }
        }
        self = total
    }
}
