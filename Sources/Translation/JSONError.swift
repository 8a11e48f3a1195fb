/// Why bytes are not JSON, with where (line and column, counted from 1).
public struct JSONError: Error, Sendable, Equatable, CustomStringConvertible {
    public let reason: String
    public let line: Int
    public let column: Int

    public var description: String { "\(reason) at line \(line), column \(column)" }
}
