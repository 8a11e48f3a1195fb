/// One line of a `check` or `audit` report.
public struct Finding: Sendable, Equatable, Encodable {
    /// How much a finding matters; only violations fail a check.
    public enum Severity: String, Sendable, Encodable {
        /// Refused by the policy: exit code 1.
        case violation
        /// Not loopback, but allowed by a named exception: printed every time.
        case excepted
        /// Something the check could not see; it says so instead of passing silently.
        case unverified
    }

    /// How much it matters.
    public let severity: Severity
    /// What was checked: a config key path (`gateway.listen`) or a live object (`listener 0.0.0.0:3253`).
    public let subject: String
    /// The value judged, safe to print.
    public let value: String
    /// `file:line` where the value was written, if it came from a file.
    public let location: String?
    /// The stable rule code (a `Refusal.Rule` raw value, `exception`, or `unverified`).
    public let rule: String
    /// What is wrong.
    public let message: String
    /// What to do about it.
    public let fix: String

    /// Makes a finding.
    public init(severity: Severity, subject: String, value: String, location: String?, rule: String, message: String, fix: String) {
        self.severity = severity
        self.subject = subject
        self.value = value
        self.location = location
        self.rule = rule
        self.message = message
        self.fix = fix
    }
}
