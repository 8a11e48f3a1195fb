import Foundation
import Glibc

/// The environment the daemon gives a program it starts (a managed bridge, a proxy command): the
/// few variables a program needs to run — `PATH`, `HOME`, `LANG` — taken from the daemon's own,
/// and what the config says for it. Nothing else of the daemon's: not `$CREDENTIALS_DIRECTORY`
/// (every credential systemd handed the daemon), `NOTIFY_SOCKET` (which would let the child speak
/// for the daemon to systemd), `WATCHDOG_*`, `JOURNAL_STREAM` or whatever else it was started with.
public struct ChildEnvironment: Sendable, Equatable {
    /// The variables taken from the daemon's environment when it has them.
    public static let inherited = ["PATH", "HOME", "LANG"]
    /// `PATH` when the daemon has none.
    static let defaultPath = "/usr/local/bin:/usr/bin:/bin"

    /// The variables, by name.
    public private(set) var variables: [String: String]

    /// The environment for a child of a daemon whose environment is `parent`, with `extra`
    /// (the config's `env` table, say) set on top.
    public init(parent: [String: String], extra: [String: String] = [:]) {
        var variables = parent.filter { Self.inherited.contains($0.key) }
        if variables["PATH"] == nil { variables["PATH"] = Self.defaultPath }
        variables.merge(extra) { _, new in new }
        self.variables = variables
    }

    /// The environment for a child of this process, with `extra` set on top.
    public static func ofThisProcess(adding extra: [String: String] = [:]) -> ChildEnvironment {
        ChildEnvironment(parent: ProcessInfo.processInfo.environment, extra: extra)
    }

    /// Sets `name` to `value`.
    public mutating func set(_ name: String, _ value: String) {
        variables[name] = value
    }

    /// Calls `body` with a NULL-terminated `NAME=value` array for `posix_spawn`, freed afterwards.
    public func withEnvp<Result>(_ body: ([UnsafeMutablePointer<CChar>?]) throws -> Result) rethrows -> Result {
        var envp: [UnsafeMutablePointer<CChar>?] = variables.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") }
        envp.append(nil)
        defer { envp.forEach { free($0) } }
        return try body(envp)
    }
}
