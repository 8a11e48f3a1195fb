import Config
import Foundation
import Gateway
import Logging
import Platform
import Supervisor
import Synchronization
import Systemd
import TunnelManager

/// Reloads the daemon's config file on SIGHUP: tells systemd (`RELOADING=1`), re-reads and checks
/// the files with the start-up checks (``DaemonSettings``), and applies a valid result as a diff —
/// tunnels, bridges and their probes, the gateway's models, bridges and client keys — logging what
/// only takes effect at the next restart. An invalid config is logged and changes nothing. Either
/// way it ends with `READY=1` and a fresh `STATUS=`.
final class Reloader: Sendable {
    /// Where the settings come from.
    struct Source: Sendable {
        let config: String?
        let policy: String?
    }

    /// What a reload changes.
    struct Targets: Sendable {
        let tunnels: TunnelManager
        let probes: ProbeService
        /// Nil when the daemon started without `[gateway]`.
        let gateway: GatewayService?
    }

    private let source: Source
    private let targets: Targets
    private let notifier: SystemdNotifier
    private let status: @Sendable () -> String
    private let logger: Logger
    /// The settings the daemon started with: what cannot change live is compared against them.
    private let started: DaemonSettings
    /// Makes reloads take turns.
    private let turn = Mutex(())

    /// A reloader of `source`, running with `settings`; `status` is the systemd status line.
    init(
        source: Source, settings: DaemonSettings, targets: Targets, notifier: SystemdNotifier, logger: Logger,
        status: @escaping @Sendable () -> String
    ) {
        self.source = source
        self.targets = targets
        self.notifier = notifier
        self.logger = logger
        self.status = status
        started = settings
    }

    /// Reloads once. Stopping tunnels blocks on their threads, so the work runs on a thread of its own.
    func reload() async {
        await BlockingWork.run("bridgekeeper-reload") { [self] in reloadNow() }
    }

    private func reloadNow() {
        notifier.reloading()
        logger.notice("reloading \(source.config ?? "the embedded default config")")
        turn.withLock { _ in
            do throws(DaemonSettings.Refusal) {
                let new = try DaemonSettings.load(
                    config: source.config, policy: source.policy, environment: ProcessInfo.processInfo.environment)
                for warning in new.warnings { logger.warning("\(warning)") }
                apply(new)
            } catch {
                logger.error("reload refused (\(error.reason)), the running configuration is unchanged:\n\(error.detail)")
            }
        }
        notifier.ready(status: status())
    }

    private func apply(_ new: DaemonSettings) {
        let changes = targets.tunnels.apply(new.tunnels)
        targets.probes.reload(bridges: new.configuration.bridges, targets: new.probeTargets)
        let atRestart = applyGateway(new.gateway) + Self.restartOnly(started, new)
        for line in atRestart { logger.warning("reload: \(line) takes effect at the next restart") }
        logger.notice(
            "reloaded: tunnels kept \(changes.kept.count), added \(changes.added.count), removed \(changes.removed.count), restarted \(changes.restarted.count); bridges \(new.configuration.bridges.count), models \(new.gateway?.models.count ?? 0)",
            metadata: [
                "kept": "\(changes.kept.joined(separator: ","))", "added": "\(changes.added.joined(separator: ","))",
                "removed": "\(changes.removed.joined(separator: ","))", "restarted": "\(changes.restarted.joined(separator: ","))",
            ])
    }

    /// Gives the running gateway the new models, bridges and keys; returns what waits for a
    /// restart. A gateway is started or stopped only by a restart.
    private func applyGateway(_ new: GatewayConfiguration?) -> [String] {
        switch (targets.gateway, new) {
        case (let service?, let configuration?): service.apply(configuration)
        case (nil, _?): ["the new [gateway] (none runs now)"]
        case (_?, nil): ["removing [gateway] (the gateway keeps serving its models)"]
        case (nil, nil): []
        }
    }

    /// What differs between the settings the daemon started with and `new` that a running daemon
    /// cannot take in, one line each.
    static func restartOnly(_ old: DaemonSettings, _ new: DaemonSettings) -> [String] {
        var lines: [String] = []
        if old.controlAddress != new.controlAddress { lines.append("control address \(new.controlAddress) (still \(old.controlAddress))") }
        if old.configuration.supervisor.stateDirectory != new.configuration.supervisor.stateDirectory { lines.append("state_dir") }
        let commands = { (settings: DaemonSettings) in
            settings.configuration.bridges.compactMap { bridge in bridge.command.map { "\(bridge.name): \($0) \(bridge.environment.sorted { $0.key < $1.key })" } }
        }
        if commands(old) != commands(new) { lines.append("managed bridge commands and environments") }
        let webhooks = { (settings: DaemonSettings) in settings.configuration.webhooks.map { "\($0.name) \($0.url) \($0.format.rawValue)" } }
        if webhooks(old) != webhooks(new) { lines.append("webhooks") }
        if old.configuration.startupGrace != new.configuration.startupGrace { lines.append("[notify] startup_grace") }
        if old.configuration.damping != new.configuration.damping { lines.append("[notify] flap_threshold, flap_window, flap_outage") }
        if old.configuration.gateway?.dashboardTokenFile != new.configuration.gateway?.dashboardTokenFile { lines.append("dashboard token") }
        return lines
    }
}
