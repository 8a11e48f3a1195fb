import ArgumentParser
import Config
import Foundation
import Policy
import Supervisor
import TOML

/// `--config` and `--policy`, and loading both with exit code 2 on unreadable or invalid input.
struct ConfigOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "The config file (TOML). Without it, the embedded default.")
    var config: String?

    @Option(help: "A policy file overriding [supervisor] policy and the built-in policy.")
    var policy: String?

    /// Loads the config and policy; on failure prints every problem (as JSON when `json`) and exits 2.
    func load(json: Bool = false) throws -> (Configuration, ExposurePolicy) {
        do {
            return try Self.read(config: config, policy: policy, environment: ProcessInfo.processInfo.environment)
        } catch {
            if json {
                print(InvalidInputReport(error).json)
            } else {
                FileHandle.standardError.write(Data("bridgekeeper: invalid input:\n\(error.message)\n".utf8))
            }
            throw ExitCode(2)
        }
    }

    /// Reads the config at `config` (nil: the embedded default) and the policy it names, or the
    /// override at `policy`.
    static func read(config: String?, policy: String?, environment: [String: String]) throws(ConfigurationError) -> (Configuration, ExposurePolicy) {
        let configuration = try Configuration.load(path: config, environment: environment)
        return (configuration, try configuration.loadPolicy(override: policy, environment: environment))
    }
}

/// The JSON printed for exit code 2, so CI can read why.
private struct InvalidInputReport: Encodable {
    struct Problem: Encodable {
        let line: Int
        let key: String
        let message: String
    }

    let ok = false
    let error: String
    let message: String
    let problems: [Problem]

    init(_ error: ConfigurationError) {
        self.error = error.code.rawValue
        self.message = error.message
        self.problems = error.problems.map { Problem(line: $0.line, key: $0.key, message: $0.message) }
    }

    var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{\"ok\": false}"
    }
}

/// `--format text|json`.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

extension PolicyReport {
    /// Prints the report in `format` and exits with its code.
    func emit(_ format: OutputFormat) throws {
        print(format == .json ? json : text)
        if exitCode != 0 { throw ExitCode(exitCode) }
    }
}
