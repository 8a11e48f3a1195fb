import Foundation
public import Logging
import Platform
public import ServiceLifecycle

/// Runs every bridge that has a `command` for the daemon's lifetime and stops them on shutdown.
/// A bridge caught listening beyond loopback is reported to `onExposed` (the monitor marks it
/// `exposed`; the incident follows from that).
public struct ManagedBridgeService: Service {
    private let bridges: [ManagedBridge]

    /// One ``ManagedBridge`` per spec.
    public init(bridges specs: [ManagedBridgeSpec], logger: Logger, onExposed: @escaping @Sendable (String, String) -> Void) {
        bridges = specs.map { spec in
            let name = spec.name
            return ManagedBridge(name: name, command: spec.command, environment: .ofThisProcess(adding: spec.environment), logger: logger) { state in
                logger.info("managed bridge \(name): \(state)", metadata: ["bridge": "\(name)", "process": "\(state.name)"])
                if case .exposed(let reason) = state { onExposed(name, reason) }
            }
        }
    }

    /// Whether the named bridge listens on loopback only (``ManagedBridge/listensOnlyOnLoopback``);
    /// true for a bridge that is not managed.
    public func listensOnlyOnLoopback(_ name: String) -> Bool {
        bridges.first { $0.name == name }?.listensOnlyOnLoopback ?? true
    }

    public func run() async throws {
        for bridge in bridges { bridge.start() }
        try? await gracefulShutdown()
        // stop() blocks until each process group is gone: keep it off the cooperative pool.
        await BlockingWork.run("bridgekeeper-bridges-stop") { for bridge in bridges { bridge.stop() } }
    }
}
