/// Reads one table of a TOML document against a schema: typed getters that record a problem (with
/// line and key path) instead of failing, and a `finish()` that reports every key nobody asked for.
public final class TOMLReader {
    /// The table's key path, e.g. `tunnels[0].forwards[1]`; empty for the root.
    public let path: String
    /// The line of the table's header or first key.
    public let line: Int
    private let table: TOMLTable
    private let diagnostics: TOMLDiagnostics
    private var requested: [String] = []

    /// Reads `table`, recording problems in `diagnostics`.
    public init(_ table: TOMLTable, path: String = "", diagnostics: TOMLDiagnostics) {
        self.table = table
        self.path = path
        self.line = table.line
        self.diagnostics = diagnostics
    }

    /// The table's keys, in document order.
    public var keys: [String] { table.keys }

    /// The full key path of `key` in this table.
    public func keyPath(_ key: String) -> String {
        path.isEmpty ? key : "\(path).\(key)"
    }

    /// The raw value under `key`, marking the key as known.
    public func value(_ key: String) -> TOMLValue? {
        if !requested.contains(key) { requested.append(key) }
        return table[key]
    }

    /// Records a problem with `key` (or with the table itself when `key` is nil).
    public func problem(_ key: String?, line: Int? = nil, _ message: String) {
        let at = line ?? key.flatMap { table[$0]?.line } ?? self.line
        diagnostics.record(TOMLProblem(line: at, key: key.map(keyPath) ?? path, message: message))
    }

    /// A string; a missing required key or a wrong type is recorded.
    public func string(_ key: String, required: Bool = false) -> Located<String>? {
        typed(key, required: required, expected: "a string") { if case .string(let s) = $0 { s } else { nil } }
    }

    /// An integer within `range`.
    public func integer(_ key: String, in range: ClosedRange<Int64>, required: Bool = false) -> Located<Int64>? {
        guard let found = typed(key, required: required, expected: "an integer", { if case .integer(let i) = $0 { i } else { nil } }) else {
            return nil
        }
        guard range.contains(found.value) else {
            problem(key, "\(found.value) is out of range; expected \(range.lowerBound) to \(range.upperBound)")
            return nil
        }
        return found
    }

    /// A number (integer or float).
    public func number(_ key: String, required: Bool = false) -> Located<Double>? {
        typed(key, required: required, expected: "a number") {
            switch $0 {
            case .integer(let i): Double(i)
            case .float(let f) where f.isFinite: f
            default: nil
            }
        }
    }

    /// A boolean.
    public func boolean(_ key: String, required: Bool = false) -> Located<Bool>? {
        typed(key, required: required, expected: "true or false") { if case .boolean(let b) = $0 { b } else { nil } }
    }

    /// An array of strings; any non-string element is recorded.
    public func strings(_ key: String, required: Bool = false) -> [Located<String>]? {
        guard let array = typed(key, required: required, expected: "an array of strings", { if case .array(let a) = $0 { a } else { nil } }) else {
            return nil
        }
        var result: [Located<String>] = []
        for (index, element) in array.value.enumerated() {
            guard case .string(let s) = element.kind else {
                problem(key, line: element.line, "element \(index) is \(element.typeName); expected a string")
                return nil
            }
            result.append(Located(s, line: element.line, key: "\(keyPath(key))[\(index)]"))
        }
        return result
    }

    /// A sub-table (a `[header]` or an inline table).
    public func table(_ key: String, required: Bool = false) -> TOMLReader? {
        guard let found = typed(key, required: required, expected: "a table", { if case .table(let t) = $0 { t } else { nil } }) else {
            return nil
        }
        return TOMLReader(found.value, path: keyPath(key), diagnostics: diagnostics)
    }

    /// An array of tables (`[[key]]` blocks or an array of inline tables); empty when absent.
    public func tables(_ key: String) -> [TOMLReader] {
        guard let array = typed(key, required: false, expected: "an array of tables", { if case .array(let a) = $0 { a } else { nil } }) else {
            return []
        }
        var readers: [TOMLReader] = []
        for (index, element) in array.value.enumerated() {
            guard case .table(let t) = element.kind else {
                problem(key, line: element.line, "element \(index) is \(element.typeName); expected a table")
                continue
            }
            readers.append(TOMLReader(t, path: "\(keyPath(key))[\(index)]", diagnostics: diagnostics))
        }
        return readers
    }

    /// Records every key of this table that no getter asked for, naming the accepted keys.
    public func finish() {
        for key in table.keys where !requested.contains(key) {
            var message = "unknown key '\(key)'" + (path.isEmpty ? "" : " in \(path)")
            if let guess = requested.min(by: { editDistance($0, key) < editDistance($1, key) }), editDistance(guess, key) <= 2 {
                message += " (did you mean '\(guess)'?)"
            }
            message += "; accepted: " + (requested.isEmpty ? "none" : requested.joined(separator: ", "))
            diagnostics.record(TOMLProblem(line: table[key]?.line ?? line, key: keyPath(key), message: message))
        }
    }

    private func typed<T>(_ key: String, required: Bool, expected: String, _ extract: (TOMLValue.Kind) -> T?) -> Located<T>? {
        guard let raw = value(key) else {
            if required { problem(nil, "missing required key '\(keyPath(key))'") }
            return nil
        }
        guard let value = extract(raw.kind) else {
            problem(key, "is \(raw.typeName); expected \(expected)")
            return nil
        }
        return Located(value, line: raw.line, key: keyPath(key))
    }
}

private func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a)
    let b = Array(b)
    guard !a.isEmpty, !b.isEmpty else { return max(a.count, b.count) }
    var row = Array(0...b.count)
    for i in 1...a.count {
        var diagonal = row[0]
        row[0] = i
        for j in 1...b.count {
            let above = row[j]
            row[j] = min(above + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1))
            diagonal = above
        }
    }
    return row[b.count]
}
