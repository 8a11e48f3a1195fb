import ArgumentParser
import Foundation
import Supervisor
import TOML

struct ProbeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Probe one bridge now, with phase timings.",
        discussion: "Exit status: 0 live, 1 not live, 2 unknown bridge or invalid input."
    )

    @Argument(help: "The bridge's name in the config.")
    var name: String

    @OptionGroup var options: ConfigOptions

    func run() throws {
        let (configuration, _) = try options.load()
        guard let bridge = configuration.bridges.first(where: { $0.name == name }) else {
            let known = configuration.bridges.map(\.name)
            let list = known.isEmpty ? "none are configured" : "configured: \(known.joined(separator: ", "))"
            FileHandle.standardError.write(Data("bridgekeeper: no bridge named '\(name)' (\(list))\n".utf8))
            throw ExitCode(2)
        }
        print("bridge \(bridge.name): \(bridge.api.rawValue) at \(bridge.url.value), probe GET \(bridge.probe.path) every \(bridge.probe.interval) (timeout \(bridge.probe.timeout))")
        print("not probed: this build has no prober yet, so the bridge's state is unknown")
        throw ExitCode(1)
    }
}
