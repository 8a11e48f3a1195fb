import ArgumentParser
import Config
import Supervisor

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate the config and the exposure policy without touching the network.",
        discussion: "Exit status: 0 clean, 1 policy violations, 2 unreadable or invalid input."
    )

    @OptionGroup var options: ConfigOptions

    @Option(help: "Output format: text for people, json for CI.")
    var format: OutputFormat = .text

    func run() throws {
        let (configuration, policy) = try options.load(json: format == .json)
        try configuration.exposureReport(policy: policy).emit(format)
    }
}
