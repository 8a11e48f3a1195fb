import ArgumentParser
import Config
import CurlHTTP
import TunnelManager

@main
struct Bridgekeeper: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bridgekeeper",
        abstract: "Keeps private LLM bridges private while serving them through one gateway.",
        version: "bridgekeeper 0.1.0 (libssh2 \(LibSSH2.version), libcurl \(LibCurl.version))",
        subcommands: [RunCommand.self, CheckCommand.self, AuditCommand.self, StatusCommand.self, ProbeCommand.self, DemoCommand.self]
    )
}
