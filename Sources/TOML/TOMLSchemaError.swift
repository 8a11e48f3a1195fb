/// A document that could not be read into its schema: every problem found, with file and line.
public struct TOMLSchemaError: Error, Sendable, CustomStringConvertible {
    /// The file (or `built-in`) the problems are in.
    public let source: String
    /// All problems, in document order.
    public let problems: [TOMLProblem]

    /// Makes an error.
    public init(source: String, problems: [TOMLProblem]) {
        self.source = source
        self.problems = problems.sorted { $0.line < $1.line }
    }

    /// One line per problem: `file:line: key: message`.
    public var description: String {
        problems.map { "\(source):\($0.line): \($0.key.isEmpty ? "" : "\($0.key): ")\($0.message)" }
            .joined(separator: "\n")
    }
}

extension TOMLReader {
    /// Parses `text` and reads it with `build`; throws every syntax or schema problem at once.
    /// `build` returns nil only after recording why.
    public static func read<T>(_ text: String, source: String, _ build: (TOMLReader) -> T?) throws(TOMLSchemaError) -> T {
        let document: TOMLDocument
        do {
            document = try TOMLDocument(parsing: text)
        } catch {
            throw TOMLSchemaError(source: source, problems: [TOMLProblem(line: error.line, key: "", message: "column \(error.column): \(error.message)")])
        }
        let diagnostics = TOMLDiagnostics()
        let root = TOMLReader(document.root, diagnostics: diagnostics)
        let result = build(root)
        root.finish()
        guard diagnostics.problems.isEmpty, let result else {
            throw TOMLSchemaError(source: source, problems: diagnostics.problems)
        }
        return result
    }
}
