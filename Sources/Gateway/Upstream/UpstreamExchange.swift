import Synchronization

/// One admitted exchange with a bridge: it counts against the bridge's limit until released, and
/// the call it follows ends with ``InFlightExchanges/Lost`` when the bridge is found lost —
/// before its answer, or while its body is read.
final class UpstreamExchange: Sendable {
    let bridge: String
    private let exchanges: InFlightExchanges
    private let watch = Mutex<UInt64?>(nil)

    init(bridge: String, exchanges: InFlightExchanges) {
        self.bridge = bridge
        self.exchanges = exchanges
    }

    deinit {
        if let id = watch.withLock({ $0 }) { exchanges.unwatch(bridge, id) }
        exchanges.close(bridge)
    }

    /// Ends `call` when the bridge is lost, for as long as this exchange lasts.
    func follow(_ call: BridgeCall) {
        let id = exchanges.watch(bridge) { loss in call.cancel(loss) }
        watch.withLock { $0 = id }
    }
}
