import BridgeProbe
public import Foundation
public import Logging
public import OnCall
import Platform
public import ServiceLifecycle

/// Logs every change of a bridge's state and hands it to `onChange` (on-call, which writes it to
/// SQLite: on a thread of its own, never on the cooperative pool), in the order the monitor made
/// them, whichever thread made them. It follows the monitor from its creation, so a change made
/// before the service group runs is not missed; at shutdown it reads what is left, then ends, so
/// it belongs after on-call and before everything that changes states in the group's order.
public struct BridgeChangeService: Service {
    private let monitor: BridgeMonitor
    private let changes: AsyncStream<BridgeMonitor.Change>
    private let logger: Logger
    private let onChange: @Sendable (StateChange, Date) -> Void

    /// A service for `monitor`'s changes from now on.
    public init(monitor: BridgeMonitor, logger: Logger, onChange: @escaping @Sendable (StateChange, Date) -> Void) {
        self.monitor = monitor
        changes = monitor.changes()
        self.logger = logger
        self.onChange = onChange
    }

    public func run() async throws {
        await withGracefulShutdownHandler {
            for await change in changes {
                let transition = change.transition
                logger.info(
                    "bridge \(change.bridge): \(transition.to.rawValue)",
                    metadata: [
                        "bridge": "\(change.bridge)", "state": "\(transition.to.rawValue)", "prev_state": "\(transition.from.rawValue)",
                        "reason": "\(transition.reason)",
                    ])
                await BlockingWork.run("bk-bridge-change") { [onChange] in onChange(change.stateChange, transition.at) }
            }
        } onGracefulShutdown: { [monitor] in
            monitor.finishChanges()
        }
    }
}
