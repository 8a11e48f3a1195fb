public import Logging
public import ServiceLifecycle
import TOML

/// The daemon's root service. It owns the checked configuration; the tunnel, probe and gateway
/// services join the same `ServiceGroup` as they are built.
public struct SupervisorService: Service {
    private let configuration: Configuration
    private let logger: Logger

    /// Makes the service for a configuration that has passed the exposure check.
    public init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Runs until graceful shutdown (SIGTERM or SIGINT through the `ServiceGroup`).
    public func run() async throws {
        logger.info(
            "supervisor started",
            metadata: [
                "config": "\(configuration.source)",
                "gateway": "\(configuration.gateway.listen.value)",
                "tunnels": "\(configuration.tunnels.count)",
                "bridges": "\(configuration.bridges.count)",
                "systemd": "\(Systemd.booted ? "booted" : "absent")",
            ])
        try? await gracefulShutdown()
        logger.info("supervisor stopping")
    }
}
