import Store

/// Where a finished request goes: the ledger (if any) and the metrics.
struct RequestRecorder: Sendable {
    let ledger: (any RequestLedger)?
    let metrics: GatewayMetrics

    func record(_ record: RequestRecord) {
        ledger?.record(record)
        metrics.observe(record)
    }
}
