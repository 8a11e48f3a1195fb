import ServiceLifecycle
import UnixSignals

/// Calls `reload` on every SIGHUP (`systemctl reload`), one reload at a time, for the daemon's
/// lifetime. SIGHUP is trapped from the moment the service runs, so it no longer ends the process.
struct ReloadService: Service {
    private let reload: @Sendable () async -> Void

    /// A service running `reload` on each SIGHUP.
    init(reload: @escaping @Sendable () async -> Void) {
        self.reload = reload
    }

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            await reload()
        }
    }
}
