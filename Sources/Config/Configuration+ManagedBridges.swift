public import ManagedBridges

extension Configuration {
    /// The bridges with a `command`, as the ManagedBridgeService runs them.
    public var managedBridges: [ManagedBridgeSpec] {
        bridges.compactMap { bridge in
            guard let command = bridge.command, !command.isEmpty else { return nil }
            return ManagedBridgeSpec(name: bridge.name, command: command, environment: bridge.environment)
        }
    }
}
