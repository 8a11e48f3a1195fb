import BridgeProbe
import Config
import Foundation
import Gateway
import Policy
import Supervisor
import TunnelManager

/// Everything `run` takes from its config file and policy, checked the same way at start and on
/// every reload: the config parses, the exposure policy passes, and the tunnel specs, the control
/// address, the gateway (client keys file included) and the dashboard token can all be built.
struct DaemonSettings: Sendable {
    /// Why the files cannot be run, in `check`'s words, and the exit code `run` refuses with.
    struct Refusal: Error {
        /// `invalid input` (exit code 2) or `policy violations` (exit code 1).
        let reason: String
        /// Every problem, one a line.
        let detail: String
        let exitCode: Int32

        static func invalid(_ error: ConfigurationError) -> Refusal {
            Refusal(reason: "invalid input", detail: error.message, exitCode: 2)
        }
    }

    let configuration: Configuration
    /// The exposure report: it has no violations, but may have warnings.
    let report: PolicyReport
    let tunnels: [TunnelSpec]
    /// What to probe, credentials read.
    let probeTargets: [ProbeTarget]
    let controlAddress: BindAddress
    /// Nil when the config has no `[gateway]` (a bridge host): no gateway runs.
    let gateway: GatewayConfiguration?
    let dashboardToken: DashboardToken?

    /// Reads and checks the config at `config` (nil: the embedded default) with the policy
    /// override `policy`.
    static func load(config: String?, policy policyPath: String?, environment: [String: String]) throws(Refusal) -> DaemonSettings {
        let configuration: Configuration
        let policy: ExposurePolicy
        do {
            (configuration, policy) = try ConfigOptions.read(config: config, policy: policyPath, environment: environment)
        } catch {
            throw .invalid(error)
        }
        let report = configuration.exposureReport(policy: policy)
        guard !report.hasViolations else { throw Refusal(reason: "policy violations", detail: report.text, exitCode: report.exitCode) }
        do {
            return DaemonSettings(
                configuration: configuration, report: report,
                tunnels: try configuration.tunnelSpecs(policy: policy, environment: environment),
                probeTargets: try configuration.probeTargets(environment: environment),
                controlAddress: try configuration.controlAddress(policy: policy),
                gateway: try configuration.gatewayConfiguration(policy: policy, environment: environment),
                dashboardToken: try configuration.dashboardToken(environment: environment))
        } catch {
            throw .invalid(error)
        }
    }

    /// The policy's warnings, one line each, as `run` prints them.
    var warnings: [String] {
        report.findings.map { "\($0.subject) \($0.value): \($0.message)" }
    }
}
