public import Config
public import Logging
public import ServiceLifecycle
public import Systemd
import TOML

/// The daemon's root service. It owns the checked configuration and runs the supervision loop:
/// every `cycle` it calls `onCycle` (the daemon reads every tunnel's and bridge's state there and
/// publishes systemd's `STATUS=`), then bumps `heartbeat`, which the systemd watchdog follows.
/// The tunnel, probe and gateway services join the same `ServiceGroup`.
public struct SupervisorService: Service {
    private let configuration: Configuration
    private let logger: Logger
    private let heartbeat: Heartbeat?
    private let cycle: Duration
    private let onCycle: @Sendable () -> Void

    /// Makes the service for a configuration that has passed the exposure check.
    public init(
        configuration: Configuration, logger: Logger, heartbeat: Heartbeat? = nil, cycle: Duration = .seconds(1),
        onCycle: @escaping @Sendable () -> Void = {}
    ) {
        self.configuration = configuration
        self.logger = logger
        self.heartbeat = heartbeat
        self.cycle = cycle
        self.onCycle = onCycle
    }

    /// Runs until graceful shutdown (SIGTERM or SIGINT through the `ServiceGroup`).
    public func run() async throws {
        logger.info(
            "supervisor started",
            metadata: [
                "config": "\(configuration.source)",
                "gateway": "\(configuration.gateway?.listen.value ?? "none")",
                "tunnels": "\(configuration.tunnels.count)",
                "bridges": "\(configuration.bridges.count)",
                "systemd": "\(Systemd.booted ? "booted" : "absent")",
            ])
        while !Task.isShuttingDownGracefully {
            onCycle()
            heartbeat?.beat()
            // Shutdown and cancellation both end the wait, and either ends the loop: a loop that
            // retried a cancelled sleep would spin, and keep beating the watchdog's heartbeat.
            do { try await cancelWhenGracefulShutdown { try await Task.sleep(for: cycle) } } catch { break }
        }
        logger.info("supervisor stopping")
    }
}
