import CurlHTTP
import ArgumentParser
import BridgeProbe
import Config
import Foundation
import Policy
import Supervisor
import TOML

struct ProbeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Probe one bridge now, with phase timings.",
        discussion: "Exit status: 0 live, 1 not live or refused by the policy, 2 unknown bridge or invalid input."
    )

    @Argument(help: "The bridge's name in the config.")
    var name: String

    @OptionGroup var options: ConfigOptions

    func run() throws {
        let (configuration, policy) = try options.load()
        let targets: [ProbeTarget]
        do {
            targets = try configuration.probeTargets(environment: ProcessInfo.processInfo.environment)
        } catch {
            FileHandle.standardError.write(Data("bridgekeeper: \(error.message)\n".utf8))
            throw ExitCode(2)
        }
        guard let target = targets.first(where: { $0.name == name }) else {
            let known = configuration.bridges.map(\.name)
            let list = known.isEmpty ? "none are configured" : "configured: \(known.joined(separator: ", "))"
            FileHandle.standardError.write(Data("bridgekeeper: no bridge named '\(name)' (\(list))\n".utf8))
            throw ExitCode(2)
        }
        // The policy decides what may be probed, as it decides what may be served.
        let refusals = configuration.exposureReport(policy: policy).findings.filter {
            $0.severity == .violation && $0.subject == "bridges[\(name)].url"
        }
        if let refusal = refusals.first {
            FileHandle.standardError.write(Data("bridgekeeper: not probing \(name): \(refusal.value): \(refusal.message); fix: \(refusal.fix)\n".utf8))
            throw ExitCode(1)
        }
        let request = target.request
        print("probe \(name): GET \(request.url) (timeout \(target.timeout))")
        let result = target.probe()
        let timings = result.timings
        for (phase, value) in [("connect", timings.connectMs), ("tls", timings.tlsMs), ("first byte", timings.firstByteMs), ("total", timings.totalMs)] {
            print("  \(phase.padding(toLength: 11, withPad: " ", startingAt: 0)) \(value.map { String(format: "%8.1f ms", $0) } ?? "       -")")
        }
        print("verdict: \(result.verdict.state.rawValue) — \(result.verdict.reason)")
        if let message = result.verdict.message { print("bridge says: \(message)") }
        if result.verdict.state != .live { throw ExitCode(1) }
    }
}
