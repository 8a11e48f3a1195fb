public import Logging
public import ServiceLifecycle

/// The daemon's side of systemd's service protocol that runs for its whole life: `WATCHDOG=1`
/// while the ``Heartbeat`` moves (see ``Watchdog``), and `STOPPING=1` as soon as graceful shutdown
/// begins. Put it last in the `ServiceGroup`, which signals services in reverse order, so
/// `STOPPING=1` goes out before the others start draining. (`READY=1` comes from ``Readiness``.)
public struct SystemdService: Service {
    private let notifier: SystemdNotifier
    private let heartbeat: Heartbeat
    private let watchdogTimeout: Duration?
    private let logger: Logger

    /// Pings for `heartbeat` when `watchdogTimeout` (``Watchdog/timeout(environment:pid:)``) is set.
    public init(notifier: SystemdNotifier, heartbeat: Heartbeat, watchdogTimeout: Duration?, logger: Logger) {
        self.notifier = notifier
        self.heartbeat = heartbeat
        self.watchdogTimeout = watchdogTimeout
        self.logger = logger
    }

    public func run() async throws {
        let notifier = notifier
        await withGracefulShutdownHandler {
            guard let watchdogTimeout, notifier.isEnabled else {
                try? await gracefulShutdown()
                return
            }
            await watch(timeout: watchdogTimeout)
        } onGracefulShutdown: {
            notifier.stopping()
        }
    }

    private func watch(timeout: Duration) async {
        let clock = ContinuousClock()
        var watchdog = Watchdog(timeout: timeout, start: clock.now)
        var warned = false
        logger.info("systemd watchdog: pinging every \(watchdog.interval) while the supervision loop makes progress")
        while !Task.isShuttingDownGracefully {
            let next: ContinuousClock.Instant
            switch watchdog.check(heartbeat: heartbeat.count, at: clock.now) {
            case .ping(let at) where heartbeat.isStopped:
                next = at
            case .ping(let at):
                notifier.watchdog()
                if warned { logger.notice("supervision loop is making progress again; watchdog pings resumed") }
                warned = false
                next = at
            case .wait(let at):
                next = at
            case .stalled(let stalled, let at):
                if !warned && stalled >= watchdog.interval {
                    warned = true
                    logger.warning(
                        "supervision loop made no progress for \(stalled); withholding watchdog pings (systemd restarts the daemon after \(timeout))")
                }
                next = at
            }
            do { try await cancelWhenGracefulShutdown { try await clock.sleep(until: next) } } catch { break }
        }
    }
}
