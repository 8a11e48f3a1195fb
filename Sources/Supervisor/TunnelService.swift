public import Foundation
public import OnCall
public import Logging
import Platform
public import ServiceLifecycle
public import TunnelManager

/// Runs the TunnelManager for the daemon's lifetime and logs every tunnel state change.
public struct TunnelService: Service {
    /// The manager; its statuses feed `status` and (later) bridge availability.
    public let manager: TunnelManager
    private let logger: Logger
    private let onChange: @Sendable (StateChange, Date) -> Void

    /// A service for `manager`; every change of a tunnel's state is logged and handed to `onChange`.
    public init(manager: TunnelManager, logger: Logger, onChange: @escaping @Sendable (StateChange, Date) -> Void = { _, _ in }) {
        self.manager = manager
        self.logger = logger
        self.onChange = onChange
    }

    public func run() async throws {
        manager.start()
        await withGracefulShutdownHandler {
            var last: [String: TunnelState] = [:]
            for await status in manager.changes().cancelOnGracefulShutdown() {
                let previous = last.updateValue(status.state, forKey: status.name)
                guard let previous, previous != status.state else { continue }
                logger.info(
                    "tunnel \(status.name): \(status.state.rawValue)",
                    metadata: [
                        "tunnel": "\(status.name)", "state": "\(status.state.rawValue)", "prev_state": "\(previous.rawValue)",
                        "failure": "\(status.failure?.rawValue ?? "-")", "reason": "\(status.reason ?? "-")",
                    ])
                // On-call records it in SQLite: on a thread of its own, never on the cooperative pool.
                let change = StateChange.tunnel(status.name, from: previous, to: status.state, failure: status.failure, reason: status.reason)
                await BlockingWork.run("bk-tunnel-change") { [onChange] in onChange(change, status.since) }
            }
        } onGracefulShutdown: {}
        // Closing sessions blocks on the tunnel threads: keep that off the cooperative pool.
        await BlockingWork.run("bridgekeeper-tunnels-stop") { manager.shutdown() }
    }
}
