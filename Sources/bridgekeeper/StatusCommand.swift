import ArgumentParser
import Foundation
import Supervisor
import TOML

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Ask the running daemon for tunnel and bridge state.",
        discussion: "Exit status: 0 all well, 1 something not live, 2 daemon unreachable."
    )

    @OptionGroup var options: ConfigOptions

    @Flag(help: "One JSON object for scripts.")
    var json = false

    func run() throws {
        let (configuration, _) = try options.load(json: json)
        let reason = "this build's daemon serves no control endpoint yet, so there is no live tunnel or bridge state to report"
        if json {
            let unknown = { (name: String) in ["name": name, "state": "unknown", "reason": reason] }
            let object: [String: Any] = [
                "error": "daemon_unreachable",
                "control": configuration.supervisor.control.value,
                "tunnels": configuration.tunnels.map { unknown($0.name) },
                "bridges": configuration.bridges.map { unknown($0.name) },
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print("nothing to report yet: \(reason) (control: \(configuration.supervisor.control.value)).")
            print("configured: \(configuration.tunnels.count) tunnel(s), \(configuration.bridges.count) bridge(s)")
        }
        throw ExitCode(2)
    }
}
