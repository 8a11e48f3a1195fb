import ArgumentParser
import BridgeProbe
import Config
import Gateway
import Foundation
import Logging
import ManagedBridges
import OnCall
import Platform
import Policy
import ServiceLifecycle
import Store
import Supervisor
import Systemd
import TunnelManager
import UnixSignals

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the daemon. Without --config, an embedded default (loopback gateway only).",
        discussion: """
            Refuses to start on any policy violation, with the same messages as `check`. On SIGHUP it \
            re-reads the config with the same checks and applies it without dropping unchanged tunnels \
            or requests in flight; an invalid config is logged and the running one kept.
            """
    )

    @OptionGroup var options: ConfigOptions

    @Option(
        help: "Log level: trace, debug, info, notice, warning, error, critical.",
        transform: { text in
            guard let level = Logger.Level(rawValue: text) else {
                throw ValidationError("'\(text)' is not a log level; expected trace, debug, info, notice, warning, error or critical")
            }
            return level
        })
    var logLevel: Logger.Level = .info

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let settings: DaemonSettings
        do {
            settings = try DaemonSettings.load(config: options.config, policy: options.policy, environment: environment)
        } catch {
            let headline = error.exitCode == 2 ? "invalid input" : "refusing to start"
            FileHandle.standardError.write(Data("bridgekeeper: \(headline):\n\(error.detail)\n".utf8))
            throw ExitCode(error.exitCode)
        }
        for warning in settings.warnings { FileHandle.standardError.write(Data("bridgekeeper: \(warning)\n".utf8)) }
        let configuration = settings.configuration
        // Structured entries to journald when stderr is its stream; logfmt on stderr otherwise.
        let logDestination = DaemonLogHandler.Destination.detect(environment: environment)
        let level = logLevel
        LoggingSystem.bootstrap { _ in DaemonLogHandler(level: level, destination: logDestination) }
        let logger = Logger(label: "bridgekeeper")
        // Two descriptors per request in flight (the client's, the bridge's), and some to spare.
        let openFiles = OpenFileLimit.raise()
        if let gateway = configuration.gateway, openFiles < UInt64(gateway.maxConnections) * 2 + 256 {
            logger.warning(
                "the open-file limit (\(openFiles)) holds fewer than the gateway's max_connections (\(gateway.maxConnections)) in flight; raise LimitNOFILE= or ulimit -n, or lower max_connections")
        }
        let store: Store
        let onCall: OnCall
        let sender: WebhookSender
        do {
            store = try Self.openStore(in: configuration.supervisor.stateDirectory)
            sender = WebhookSender(store: store, webhooks: configuration.onCallWebhooks, logger: logger)
            // Notices go to journald when it is where our output goes; to the log otherwise.
            let journal: (any JournalWriter)? = JournalStream.isStandardError(environment: environment) ? SystemdJournal() : nil
            onCall = try OnCall(
                store: store, webhooks: configuration.onCallWebhooks, bridgeTunnels: configuration.bridgeTunnels, journal: journal,
                sender: sender, logger: logger, policy: configuration.onCallPolicy, startedAt: Date())
        } catch {
            FileHandle.standardError.write(Data("bridgekeeper: cannot start: \(error)\n".utf8))
            throw ExitCode(1)
        }
        let tunnels = TunnelManager(tunnels: settings.tunnels, logger: logger)
        let started = Date()
        let monitor = BridgeMonitor(bridges: configuration.bridges, start: started)
        // What the gateway's traffic learns about routes (open circuits, models' limits), for status too.
        let routes = RouteHealth(logger: logger)
        let statusReport: @Sendable () -> StatusReport = {
            StatusReport(tunnels: tunnels.statuses, bridges: monitor.statuses, started: started, conditions: routes.conditions())
        }
        // systemd: READY=1 once the gateway and the control endpoint accept connections (the store
        // is open and the policy passed by then), STATUS= on every change and each supervision
        // cycle, WATCHDOG=1 while that loop makes progress, STOPPING=1 on shutdown.
        let notifier = SystemdNotifier(environment: environment)
        let heartbeat = Heartbeat()
        let watchdogTimeout = Watchdog.timeout(environment: environment, pid: getpid())
        if watchdogTimeout == nil, environment["WATCHDOG_USEC"] != nil, let owner = environment["WATCHDOG_PID"] {
            logger.notice("WATCHDOG_USEC is meant for process \(owner) (WATCHDOG_PID), not this one (\(getpid())): no watchdog pings")
        }
        let publishStatus: @Sendable () -> Void = { notifier.status(statusReport().systemdStatus) }
        let readiness = Readiness(waitingFor: settings.gateway == nil ? ["control"] : ["gateway", "control"]) {
            notifier.ready(status: statusReport().systemdStatus)
            logger.info(settings.gateway == nil ? "ready: control endpoint accepts connections (no [gateway])" : "ready: gateway and control endpoint accept connections")
        }
        let onChange: @Sendable (StateChange, Date) -> Void = { change, at in
            onCall.handle(change, at: at)
            // A probe that finds the bridge live again closes its circuit at once: the breaker's
            // cool-down would refuse requests for seconds after the bridge answers.
            if change.kind == .bridge, change.to == BridgeState.live.rawValue { routes.probedLive(change.subject) }
            // A bridge found lost fails what is in flight with it now, instead of a hang until the
            // read timeout (a dead tunnel's connections go silent, they do not break).
            if change.kind == .bridge, let lost = Self.lostCodes[change.to] {
                routes.lost(change.subject, code: lost, reason: change.reason ?? "it is \(change.to)")
            }
            publishStatus()
        }
        let managed = ManagedBridgeService(bridges: configuration.managedBridges, logger: logger) { bridge, reason in
            _ = monitor.exposed(bridge, reason: reason, at: Date())
        }
        let probes = ProbeService(
            targets: settings.probeTargets, monitor: monitor, tunnels: tunnels, store: store, logger: logger,
            believe: managed.listensOnlyOnLoopback)
        // Without [gateway] (a bridge host) no gateway runs and nothing but the control endpoint listens.
        // The gateway owns its ledger writer and closes it when it stops serving.
        let gateway = settings.gateway.map { gatewayConfiguration in
            GatewayService(
                configuration: gatewayConfiguration, availability: MonitorAvailability(monitor: monitor), health: routes, ledger: LedgerWriter(store: store, logger: logger),
                dashboard: .init(token: settings.dashboardToken, store: store, source: StatusDashboard(monitor: monitor, tunnels: tunnels)),
                logger: logger, onListening: { _ in readiness.ready("gateway") })
        }
        let control = ControlServer.application(
            address: settings.controlAddress, logger: logger, onListening: { _ in readiness.ready("control") }, report: statusReport)
        let reloader = Reloader(
            source: .init(config: options.config, policy: options.policy), settings: settings,
            targets: .init(tunnels: tunnels, probes: probes, gateway: gateway), notifier: notifier, logger: logger,
            status: { statusReport().systemdStatus })
        // The supervision loop beats at least twice per watchdog ping, so a healthy loop never misses one.
        let cycle = min(Duration.seconds(1), (watchdogTimeout ?? .seconds(4)) / 4)
        // swift-service-lifecycle logs every service's full description at debug level: the
        // configuration, webhook URLs included. Its logger stops at info, whatever --log-level says.
        var lifecycleLogger = logger
        lifecycleLogger.logLevel = max(logger.logLevel, .info)
        let services: [(String, any Service)] = [
            ("supervision loop", SupervisorService(configuration: configuration, logger: logger, heartbeat: heartbeat, cycle: cycle, onCycle: publishStatus)),
            ("on-call service", OnCallService(onCall: onCall, sender: sender, store: store, logger: logger)),
            // After on-call and before all that moves bridge states: shutdown runs in reverse order.
            ("bridge changes", BridgeChangeService(monitor: monitor, logger: logger, onChange: onChange)),
            ("tunnel service", TunnelService(manager: tunnels, logger: logger, onChange: onChange)),
            ("managed bridges", managed),
            ("probes", probes),
        ] + (gateway.map { [("gateway", $0)] } ?? []) + [
            ("control endpoint", control),
            ("reload handler", ReloadService(reload: reloader.reload)),
            // Last: graceful shutdown reaches services in reverse order, so STOPPING=1 goes first.
            ("systemd notifier", SystemdService(notifier: notifier, heartbeat: heartbeat, watchdogTimeout: watchdogTimeout, logger: logger)),
        ]
        // Any service failing takes the daemon down within 5 s, saying why (CriticalService).
        let failure = CriticalService.Failure(heartbeat: heartbeat, notifier: notifier, logger: logger)
        let group = ServiceGroup(
            configuration: .init(
                services: services.map { .init(service: CriticalService($1, name: $0, failure: failure)) },
                gracefulShutdownSignals: [.sigterm, .sigint], logger: lifecycleLogger))
        do {
            try await group.run()
        } catch {
            if failure.reason == nil { logger.critical("the daemon failed: \(error)") }
            throw ExitCode(1)
        }
    }

    /// Opens the database in the state directory, creating the directory (mode 0700) if missing.
    /// The bridge states that fail exchanges in flight, with the code clients see.
    static let lostCodes = [
        BridgeState.tunnelDown.rawValue: "tunnel_down", BridgeState.down.rawValue: "bridge_down", BridgeState.exposed.rawValue: "bridge_exposed",
    ]

    private static func openStore(in directory: String) throws -> Store {
        if !FileManager.default.fileExists(atPath: directory) {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        return try Store(directory: directory)
    }
}
