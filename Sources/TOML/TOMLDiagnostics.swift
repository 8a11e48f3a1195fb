/// Collects the problems found while reading a document, so all of them are reported at once.
public final class TOMLDiagnostics {
    /// Problems in the order they were found.
    public private(set) var problems: [TOMLProblem] = []

    /// Makes an empty collection.
    public init() {}

    /// Adds a problem; the same problem found twice is kept once.
    public func record(_ problem: TOMLProblem) {
        if !problems.contains(problem) { problems.append(problem) }
    }
}

/// One schema problem: where, which key, and what was wrong.
public struct TOMLProblem: Sendable, Equatable, CustomStringConvertible {
    /// The 1-based line.
    public let line: Int
    /// The full key path, e.g. `tunnels[0].keepalive`.
    public let key: String
    /// What was wrong and what would be accepted.
    public let message: String

    /// Makes a problem.
    public init(line: Int, key: String, message: String) {
        self.line = line
        self.key = key
        self.message = message
    }

    public var description: String { "line \(line): \(key): \(message)" }
}

/// A value read from the document with its line and key path.
public struct Located<Value> {
    /// The value.
    public let value: Value
    /// The 1-based line it was written on.
    public let line: Int
    /// Its full key path.
    public let key: String

    /// Makes a located value.
    public init(_ value: Value, line: Int, key: String) {
        self.value = value
        self.line = line
        self.key = key
    }
}

extension Located: Sendable where Value: Sendable {}
extension Located: Equatable where Value: Equatable {}
