import Foundation

/// The result of `check` or `audit`: findings, the exceptions in force, and the exit code.
public struct PolicyReport: Sendable, Encodable {
    /// `check` or `audit`.
    public let command: String
    /// Where the policy came from.
    public let policy: String
    /// How many addresses (check) or ports (audit) were examined.
    public let checked: Int
    /// Findings in the order they were made.
    public let findings: [Finding]
    /// Every exception the policy holds; each is printed whenever it is in force.
    public let exceptions: [PolicyException]

    /// Makes a report.
    public init(command: String, policy: ExposurePolicy, checked: Int, findings: [Finding]) {
        self.command = command
        self.policy = policy.source
        self.checked = checked
        self.findings = findings
        self.exceptions = policy.exceptions
    }

    /// Whether any finding is a violation.
    public var hasViolations: Bool { findings.contains { $0.severity == .violation } }

    /// 0 when nothing was refused, 1 when something was.
    public var exitCode: Int32 { hasViolations ? 1 : 0 }

    /// One line per finding, then the exceptions in force, then a summary line.
    public var text: String {
        var lines = findings.map { finding in
            let location = finding.location.map { "\($0): " } ?? ""
            let label = switch finding.severity {
            case .violation: "refused [\(finding.rule)]"
            case .excepted: "allowed by exception"
            case .unverified: "not verified"
            }
            return "\(location)\(finding.subject) = \"\(finding.value)\": \(label): \(finding.message); fix: \(finding.fix)"
        }
        for exception in exceptions {
            lines.append("exception in force: \(exception.location): \(exception.address) port \(exception.port): \"\(exception.reason)\"")
        }
        let violations = findings.filter { $0.severity == .violation }.count
        let unverified = findings.filter { $0.severity == .unverified }.count
        let unit = command == "audit" ? "ports" : "addresses"
        var summary = "\(command): \(checked) \(unit) checked, \(violations) violation\(violations == 1 ? "" : "s")"
        if unverified > 0 { summary += ", \(unverified) not verified" }
        summary += ", \(exceptions.count) exception\(exceptions.count == 1 ? "" : "s") in force (policy: \(policy))"
        lines.append(summary)
        return lines.joined(separator: "\n")
    }

    /// The report as one JSON object, for CI.
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(self) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    enum CodingKeys: String, CodingKey { case command, policy, checked, ok, findings, exceptions }

    /// Encodes the report with an `ok` field that mirrors the exit code.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(command, forKey: .command)
        try container.encode(policy, forKey: .policy)
        try container.encode(checked, forKey: .checked)
        try container.encode(!hasViolations, forKey: .ok)
        try container.encode(findings, forKey: .findings)
        try container.encode(exceptions, forKey: .exceptions)
    }
}
