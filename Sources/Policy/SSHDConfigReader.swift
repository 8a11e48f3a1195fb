import Foundation

/// Reads sshd's effective configuration (`sshd -T`) and audits its GatewayPorts.
public struct SSHDConfigReader: Sendable {
    /// The sshd binary; nil searches /usr/sbin, /usr/local/sbin and PATH.
    public var executable: String?
    /// A config file other than the system one (`sshd -T -f FILE`).
    public var configFile: String?
    /// Tunnel users whose `Match User` blocks are evaluated too (`sshd -T -C user=…`).
    public var users: [String]

    /// Makes a reader.
    public init(executable: String? = nil, configFile: String? = nil, users: [String] = []) {
        self.executable = executable
        self.configFile = configFile
        self.users = users
    }

    /// The global setting, then each tunnel user's effective setting after `Match` blocks.
    func audit() -> [Finding] {
        audit(user: nil) + users.flatMap { audit(user: $0) }
    }

    /// A violation when GatewayPorts is not `no`, or an unverified finding saying why it could not be read.
    private func audit(user: String?) -> [Finding] {
        let subject = user.map { "sshd GatewayPorts for user \($0)" } ?? "sshd GatewayPorts"
        let fix = "set 'GatewayPorts no' in sshd_config (see units/sshd-bridgekeeper.conf) and reload sshd"
        func unverified(_ message: String, fix: String) -> [Finding] {
            [Finding(severity: .unverified, subject: subject, value: "?", location: configFile, rule: "unverified", message: message, fix: fix)]
        }
        guard let binary = executable ?? Self.locate() else {
            return unverified("no sshd found, so GatewayPorts was not checked", fix: "none needed unless tunnels terminate on this host; else pass --sshd PATH")
        }
        var arguments = ["-T"]
        if let configFile { arguments += ["-f", configFile] }
        if let user { arguments += ["-C", "user=\(user),host=localhost,addr=127.0.0.1,laddr=127.0.0.1"] }
        let result: (status: Int32, output: String, errors: String)
        do {
            result = try Self.execute(binary, arguments)
        } catch {
            return unverified("could not run \(binary): \(error.localizedDescription)", fix: "pass the sshd binary with --sshd PATH")
        }
        guard result.status == 0 else {
            let reason = result.errors.split(whereSeparator: \.isNewline).first.map { $0.trimmingCharacters(in: .whitespaces) }
            return unverified(
                "'sshd -T' failed: \(reason ?? "exit status \(result.status)")",
                fix: "fix what sshd reports (as root it needs its host keys and /run/sshd)")
        }
        var value: String?
        for line in result.output.split(separator: "\n") where line.hasPrefix("gatewayports ") {
            value = String(line.dropFirst("gatewayports ".count))
        }
        guard let value else {
            return unverified("'sshd -T' printed no gatewayports line", fix: "check the sshd version")
        }
        guard value == "no" else {
            return [Finding(
                severity: .violation, subject: subject, value: value, location: configFile, rule: Refusal.Rule.gatewayPorts.rawValue,
                message: "sshd's effective GatewayPorts is '\(value)': a reverse forward can listen on every interface", fix: fix)]
        }
        return []
    }

    static func locate() -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"]?.split(separator: ":").map(String.init) ?? []
        return (["/usr/sbin", "/usr/local/sbin"] + path).map { "\($0)/sshd" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    private static func execute(_ binary: String, _ arguments: [String]) throws -> (status: Int32, output: String, errors: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }
}
