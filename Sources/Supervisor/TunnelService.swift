import Foundation
public import Logging
public import ServiceLifecycle
public import TunnelManager

/// Runs the TunnelManager for the daemon's lifetime and logs every tunnel state change.
public struct TunnelService: Service {
    /// The manager; its statuses feed `status` and (later) bridge availability.
    public let manager: TunnelManager
    private let logger: Logger

    public init(manager: TunnelManager, logger: Logger) {
        self.manager = manager
        self.logger = logger
    }

    public func run() async throws {
        manager.start()
        await withGracefulShutdownHandler {
            for await status in manager.changes().cancelOnGracefulShutdown() {
                logger.info(
                    "tunnel \(status.name): \(status.state.rawValue)",
                    metadata: ["tunnel": "\(status.name)", "state": "\(status.state.rawValue)", "failure": "\(status.failure?.rawValue ?? "-")"])
            }
        } onGracefulShutdown: {}
        // Closing sessions blocks on the tunnel threads: keep that off the cooperative pool.
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread {
                manager.shutdown()
                continuation.resume()
            }
        }
    }
}
