import ArgumentParser
import Foundation
import Logging
import Policy
import ServiceLifecycle
import Supervisor
import TunnelManager
import UnixSignals

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the daemon. Without --config, an embedded default (loopback gateway only).",
        discussion: "Refuses to start on any policy violation, with the same messages as `check`."
    )

    @OptionGroup var options: ConfigOptions

    @Option(
        help: "Log level: trace, debug, info, notice, warning, error, critical.",
        transform: { text in
            guard let level = Logger.Level(rawValue: text) else {
                throw ValidationError("'\(text)' is not a log level; expected trace, debug, info, notice, warning, error or critical")
            }
            return level
        })
    var logLevel: Logger.Level = .info

    func run() async throws {
        let (configuration, policy) = try options.load()
        let report = configuration.exposureReport(policy: policy)
        guard !report.hasViolations else {
            FileHandle.standardError.write(Data("bridgekeeper: refusing to start:\n\(report.text)\n".utf8))
            throw ExitCode(report.exitCode)
        }
        for finding in report.findings {
            FileHandle.standardError.write(Data("bridgekeeper: \(finding.subject) \(finding.value): \(finding.message)\n".utf8))
        }
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "bridgekeeper")
        let specs: [TunnelSpec]
        let controlAddress: BindAddress
        do {
            specs = try configuration.tunnelSpecs(policy: policy, environment: ProcessInfo.processInfo.environment)
            controlAddress = try configuration.controlAddress(policy: policy)
        } catch {
            FileHandle.standardError.write(Data("bridgekeeper: invalid input:\n\(error.message)\n".utf8))
            throw ExitCode(2)
        }
        let tunnels = TunnelManager(tunnels: specs, logger: logger)
        let started = Date()
        let control = ControlServer.application(address: controlAddress, logger: logger) {
            StatusReport(configuration: configuration, tunnels: tunnels.statuses, started: started)
        }
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: SupervisorService(configuration: configuration, logger: logger)),
                    .init(service: TunnelService(manager: tunnels, logger: logger)),
                    .init(service: control),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
    }
}
