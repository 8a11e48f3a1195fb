public import TOML

/// A config that cannot be used: unreadable, invalid (every problem listed), or a path whose
/// variable is unset. Messages never include secrets: config holds paths to secrets, not secrets.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure.
    public enum Code: String, Sendable {
        /// The file could not be read.
        case unreadable
        /// TOML syntax or schema problems; see `problems`.
        case invalid
        /// A `$CREDENTIALS_DIRECTORY` / `$STATE_DIRECTORY` path whose variable is not set.
        case unresolvedPath = "unresolved_path"
    }

    /// What kind of failure.
    public let code: Code
    /// A message safe to print.
    public let message: String
    /// For `.invalid`: every problem, with line and key.
    public let problems: [TOMLProblem]

    init(_ code: Code, _ message: String, problems: [TOMLProblem] = []) {
        self.code = code
        self.message = message
        self.problems = problems
    }

    init(_ schema: TOMLSchemaError) {
        self.init(.invalid, schema.description, problems: schema.problems)
    }

    public var description: String { message }
}
