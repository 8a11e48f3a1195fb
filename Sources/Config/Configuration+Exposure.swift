import Foundation
public import Policy
import TOML

extension Configuration {
    /// The built-in exposure policy (`policy/default.toml`).
    public static let builtInPolicyText = String(decoding: PackageResources.default_policy_toml, as: UTF8.self)

    /// Loads the policy: `override` (from `--policy`) wins, then `[supervisor] policy`, then the built-in one.
    public func loadPolicy(override: String?, environment: [String: String]) throws(ConfigurationError) -> ExposurePolicy {
        var path = override
        if path == nil, let policy = supervisor.policy { path = try policy.resolve(environment) }
        let text: String
        if let path {
            do {
                text = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw ConfigurationError(.unreadable, "\(path): cannot read the policy file (\(Self.unreadableReason(path)))")
            }
        } else {
            text = Self.builtInPolicyText
        }
        do {
            return try ExposurePolicy.parse(text, source: path ?? "built-in")
        } catch {
            throw ConfigurationError(error)
        }
    }

    /// Every address this config binds, connects a tunnel to, or probes, judged by `policy`.
    public func exposureReport(policy: ExposurePolicy) -> PolicyReport {
        var findings: [Finding] = []
        for (subject, located, kind) in addresses {
            let verdict = kind == .url ? policy.check(url: located.value) : policy.check(bind: located.value)
            let location = located.line > 0 ? "\(source):\(located.line)" : source
            // Findings are printed, logged on reload and written as JSON: a URL is shown redacted.
            let value = (value: kind == .url ? Redaction.url(located.value) : located.value, line: located.line)
            switch verdict {
            case .allowed:
                break
            case .excepted(let address, let exception):
                findings.append(Finding(
                    severity: .excepted, subject: subject, value: value.value, location: location, rule: "exception",
                    message: "\(address) is not loopback; allowed by \(exception.location) (\(exception.reason))",
                    fix: "none needed while the exception stands"))
                if subject == "gateway.listen" && gateway?.clientKeysFile == nil {
                    findings.append(Finding(
                        severity: .violation, subject: subject, value: value.value, location: location,
                        rule: Refusal.Rule.unauthenticatedGateway.rawValue,
                        message: "the gateway would serve on a non-loopback address without client authentication",
                        fix: "set [gateway] client_keys_file, or listen on 127.0.0.1"))
                }
            case .refused(let refusal):
                findings.append(Finding(
                    severity: .violation, subject: subject, value: value.value, location: location, rule: refusal.rule.rawValue,
                    message: refusal.message, fix: refusal.fix))
            }
        }
        return PolicyReport(command: "check", policy: policy, checked: addresses.count, findings: findings)
    }

    /// The ports `audit` looks for on the live host: every port this config binds, forwards or probes.
    public var auditTargets: [HostAudit.Target] {
        addresses.compactMap { subject, value, kind in
            let endpoint = kind == .url ? (try? BridgeURL(value.value))?.endpoint : try? HostPort.parse(value.value)
            return endpoint.map { HostAudit.Target(port: $0.port, subject: subject, location: value.line > 0 ? "\(source):\(value.line)" : source) }
        }
    }

    private enum AddressKind { case bind, url }

    private var addresses: [(subject: String, value: Located<String>, kind: AddressKind)] {
        var result: [(String, Located<String>, AddressKind)] = []
        if let gateway { result.append(("gateway.listen", gateway.listen, .bind)) }
        result.append(("supervisor.control", supervisor.control, .bind))
        for tunnel in tunnels {
            for (index, forward) in tunnel.forwards.enumerated() {
                result.append(("tunnels[\(tunnel.name)].forwards[\(index)].listen", forward.listen, .bind))
                if let target = forward.target {
                    result.append(("tunnels[\(tunnel.name)].forwards[\(index)].target", target, .bind))
                }
            }
        }
        for bridge in bridges {
            result.append(("bridges[\(bridge.name)].url", bridge.url, .url))
        }
        return result
    }
}
