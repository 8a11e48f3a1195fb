/// A config path that may start with `$CREDENTIALS_DIRECTORY` (systemd `LoadCredential=`) or
/// `$STATE_DIRECTORY`; expanded only when used, so `check` works without those set.
public struct PathTemplate: Sendable, Equatable, CustomStringConvertible {
    /// The path as written.
    public let template: String
    /// The variable it starts with, if any.
    public let variable: String?

    static let variables = ["CREDENTIALS_DIRECTORY", "STATE_DIRECTORY"]

    /// Validates the template; returns a message on failure.
    static func parse(_ text: String) -> Result<PathTemplate, PathTemplateProblem> {
        guard !text.isEmpty else { return .failure(PathTemplateProblem("is empty; expected a file path")) }
        guard let dollar = text.firstIndex(of: "$") else {
            return .success(PathTemplate(template: text, variable: nil))
        }
        let name: Substring
        let afterName: Substring
        let rest = text[text.index(after: dollar)...]
        if rest.hasPrefix("{") {
            guard let close = rest.firstIndex(of: "}") else { return .failure(PathTemplateProblem("has '${' without '}'")) }
            name = rest[rest.index(after: rest.startIndex)..<close]
            afterName = rest[rest.index(after: close)...]
        } else {
            let end = rest.firstIndex(where: { !($0.isLetter || $0.isNumber || $0 == "_") }) ?? rest.endIndex
            name = rest[..<end]
            afterName = rest[end...]
        }
        guard dollar == text.startIndex, variables.contains(String(name)) else {
            return .failure(PathTemplateProblem("only a leading $CREDENTIALS_DIRECTORY or $STATE_DIRECTORY is expanded"))
        }
        guard afterName.isEmpty || afterName.hasPrefix("/"), !afterName.contains("$") else {
            return .failure(PathTemplateProblem("expected $\(name)/FILE"))
        }
        return .success(PathTemplate(template: text, variable: String(name)))
    }

    /// The path with its variable expanded from `environment`; throws when the variable is unset.
    public func resolve(_ environment: [String: String]) throws(ConfigurationError) -> String {
        guard let variable else { return template }
        // systemd may list several state directories separated by ':'; the first is ours.
        guard let value = environment[variable]?.split(separator: ":").first, !value.isEmpty else {
            throw ConfigurationError(
                .unresolvedPath, "\(template): $\(variable) is not set (systemd sets it from LoadCredential= / StateDirectory=)")
        }
        let afterDollar = template.dropFirst()
        let rest = afterDollar.hasPrefix("{") ? afterDollar.drop(while: { $0 != "}" }).dropFirst() : afterDollar.dropFirst(variable.count)
        return String(value) + rest
    }

    public var description: String { template }
}

struct PathTemplateProblem: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
