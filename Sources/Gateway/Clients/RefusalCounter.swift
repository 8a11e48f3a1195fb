import Logging
import Prometheus
import Synchronization

/// Counts requests turned away before authentication (`bridgekeeper_gateway_rejected_total{reason}`)
/// and logs them through a ``RefusalLog``. They never reach the ledger: anyone can send them.
final class RefusalCounter: Sendable {
    private let registry: PrometheusCollectorRegistry
    private let logger: Logger
    private let log = Mutex(RefusalLog())

    init(registry: PrometheusCollectorRegistry, logger: Logger) {
        self.registry = registry
        self.logger = logger
        // Every reason is listed from the start, at 0, so dashboards need not wait for a first one.
        for reason in RequestRefusal.allCases { _ = counter(reason) }
    }

    /// Counts one refusal for `reason`.
    func refuse(_ reason: RequestRefusal) {
        counter(reason).increment()
        let now = ContinuousClock.now
        guard let count = log.withLock({ $0.refusal(reason, at: now) }) else { return }
        logger.warning(
            "gateway refused \(count == 1 ? "a request" : "\(count) requests since the last such line"): \(reason.rawValue)",
            metadata: ["reason": "\(reason.rawValue)", "count": "\(count)"])
    }

    private func counter(_ reason: RequestRefusal) -> Counter {
        registry.makeCounter(
            descriptor: .init(
                namespace: "bridgekeeper", subsystem: "gateway", metricName: "rejected", unitName: "total",
                helpText: "Requests refused before authentication, by reason"),
            labels: [("reason", reason.rawValue)])
    }
}
