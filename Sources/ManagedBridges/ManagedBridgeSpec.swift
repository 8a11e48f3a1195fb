/// A bridge bridgekeeper runs itself: `[[bridges]]` with a `command`.
public struct ManagedBridgeSpec: Sendable, Equatable {
    /// The bridge's name.
    public let name: String
    /// The program and its arguments, run without a shell.
    public let command: [String]
    /// `[bridges.env]`: variables given besides PATH, HOME and LANG.
    public let environment: [String: String]

    public init(name: String, command: [String], environment: [String: String]) {
        self.name = name
        self.command = command
        self.environment = environment
    }
}
