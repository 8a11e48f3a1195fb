import ArgumentParser
import Config
import Foundation
import Supervisor
import TOML

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Ask the running daemon for tunnel and bridge state.",
        discussion: "Exit status: 0 all well, 1 something not up or not live, 2 daemon unreachable."
    )

    @OptionGroup var options: ConfigOptions

    @Flag(help: "One JSON object for scripts.")
    var json = false

    func run() throws {
        let (configuration, policy) = try options.load(json: json)
        let report: StatusReport
        do {
            let address = try configuration.controlAddress(policy: policy)
            report = try ControlClient.status(at: address)
        } catch {
            let message = (error as? ConfigurationError)?.message ?? "\(error)"
            if json {
                let object = ["error": "daemon_unreachable", "control": configuration.supervisor.control.value, "message": message]
                let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
                print(String(decoding: data, as: UTF8.self))
            } else {
                FileHandle.standardError.write(Data("bridgekeeper: \(message)\n".utf8))
            }
            throw ExitCode(2)
        }
        if json {
            print(String(decoding: try StatusReport.encoder.encode(report), as: UTF8.self))
        } else {
            print(report.text(colour: isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil))
        }
        if !report.allWell { throw ExitCode(1) }
    }
}
