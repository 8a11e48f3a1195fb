import ArgumentParser
import Config
import Demo
import Foundation
import Logging

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the whole topology on this machine, on loopback: a private sshd, two demo bridges, and the daemon.",
        discussion: """
            Starts a real sshd (own host key and port, GatewayPorts no), an OpenAI-compatible demo \
            bridge and one that answers auth_required, and `bridgekeeper run` holding a reverse \
            tunnel through that sshd, with the gateway routing demo-model over it. Prints the \
            gateway's address, `bridgekeeper status` and client settings. Ctrl-C stops and removes \
            everything it started. Exit status: 0 after Ctrl-C or SIGTERM, 1 when something failed.
            """
    )

    @Option(help: "The gateway's port on 127.0.0.1 (default: 4000 when free, else any free port).")
    var port: UInt16?

    func run() async throws {
        // Library logs (the bridges') go to stderr: stdout carries what the demo prints.
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .warning
            return handler
        }
        do {
            try await DemoTopology(gatewayPort: port, logger: Logger(label: "bridgekeeper.demo")).run()
        } catch {
            FileHandle.standardError.write(Data("bridgekeeper demo: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
