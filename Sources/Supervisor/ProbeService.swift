import CurlHTTP
public import BridgeProbe
public import Config
import Foundation
public import Logging
import Platform
public import ServiceLifecycle
public import Store
public import TunnelManager

/// Probes every bridge for the daemon's lifetime, follows the tunnels the bridges name, and records
/// each probe in the store; the states it moves are published by the monitor (``BridgeMonitor/changes()``).
public struct ProbeService: Service {
    /// The bridges' states, for `status` and the gateway's availability.
    public let monitor: BridgeMonitor
    private let scheduler: ProbeScheduler
    private let tunnels: TunnelManager?
    private let logger: Logger

    /// A service probing `targets`; `monitor` holds the states, `store` (if any) the probe rows.
    /// An answer moves a bridge's state only if `believe` says so for the bridge when it came (a
    /// managed bridge found listening beyond loopback is not healthy, whatever it answered).
    public init(
        targets: [ProbeTarget], monitor: BridgeMonitor, tunnels: TunnelManager?, store: Store?, logger: Logger,
        believe: @escaping @Sendable (String) -> Bool = { _ in true }
    ) {
        self.monitor = monitor
        self.tunnels = tunnels
        scheduler = ProbeScheduler(targets: targets, mayProbe: monitor.mayProbe) { result in
            let now = Date()
            do {
                try store?.record(ProbeRecord(result, at: now))
            } catch {
                logger.error("cannot record a probe of \(result.bridge): \(error)", metadata: ["bridge": "\(result.bridge)"])
            }
            logger.debug(
                "probe \(result.bridge): \(result.verdict.state.rawValue)",
                metadata: ["bridge": "\(result.bridge)", "reason": "\(result.verdict.reason)", "ms": "\(result.timings.totalMs ?? 0)"])
            guard believe(result.bridge) else {
                logger.debug("probe \(result.bridge): not believed, the bridge listens beyond loopback", metadata: ["bridge": "\(result.bridge)"])
                return
            }
            _ = monitor.observe(result, at: now)
        }
        self.logger = logger
    }

    /// Follows a reloaded configuration: the monitor takes the new `bridges` (unchanged ones keep
    /// their state), `targets` are probed from now on (new and changed bridges at once), and a new
    /// bridge whose tunnel is already down is `tunnel_down` straight away.
    public func reload(bridges: [Configuration.Bridge], targets: [ProbeTarget]) {
        monitor.apply(bridges: bridges, at: Date())
        scheduler.replace(targets: targets)
        if let tunnels {
            _ = monitor.tunnelsChanged(tunnels.statuses, at: Date())
        }
    }

    public func run() async throws {
        if let tunnels {
            // Before the first probes: a bridge whose tunnel is not up yet is not probed.
            _ = monitor.tunnelsChanged(tunnels.statuses, at: Date())
        }
        scheduler.start()
        if let tunnels {
            await withGracefulShutdownHandler {
                for await _ in tunnels.changes().cancelOnGracefulShutdown() {
                    for name in monitor.tunnelsChanged(tunnels.statuses, at: Date()).probeNow { scheduler.probeSoon(name) }
                }
            } onGracefulShutdown: {}
        } else {
            try? await gracefulShutdown()
        }
        // Stopping waits for probes in flight (each ends within its timeout): off the cooperative pool.
        await BlockingWork.run("bridgekeeper-probes-stop") { scheduler.stop() }
    }
}
