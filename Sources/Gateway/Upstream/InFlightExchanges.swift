import Synchronization

/// The exchanges with bridges in flight, by bridge: what admits a request to a bridge (up to the
/// bridge's `max_connections`), counts them for `/metrics`, and fails them when the bridge is found
/// lost (its tunnel dead, the bridge down) instead of leaving them to hang until a timeout — a
/// request still waiting for its answer moves on to the model's next route, a stream being relayed
/// ends with an error event naming the reason.
final class InFlightExchanges: Sendable {
    /// Why an exchange was abandoned: the bridge's state (`tunnel_down`, `bridge_down`) and reason.
    struct Lost: Error, Sendable {
        let code: String
        let reason: String
    }

    /// The bridge already has `limit` exchanges in flight: the gateway's own limit, not the bridge's
    /// failure.
    struct Saturated: Error, Sendable {
        let limit: Int
    }

    /// One bridge's exchanges, as `/metrics` shows them.
    struct Count: Sendable, Equatable {
        let bridge: String
        /// In flight now.
        let open: Int
        /// Refused at the limit since the start.
        let saturated: Int
    }

    private struct Bridge {
        var open = 0
        var saturated = 0
        var watches: [UInt64: @Sendable (Lost) -> Void] = [:]
    }

    private let state = Mutex<(next: UInt64, bridges: [String: Bridge])>((0, [:]))

    /// Admits one exchange with `bridge` when fewer than `limit` (nil: no limit) are in flight; it
    /// counts until the returned ``UpstreamExchange`` is released.
    func open(_ bridge: String, limit: Int?) throws(Saturated) -> UpstreamExchange {
        let admitted = state.withLock { state in
            var entry = state.bridges[bridge] ?? Bridge()
            defer { state.bridges[bridge] = entry }
            if let limit, entry.open >= limit {
                entry.saturated += 1
                return false
            }
            entry.open += 1
            return true
        }
        guard admitted else { throw Saturated(limit: limit ?? 0) }
        return UpstreamExchange(bridge: bridge, exchanges: self)
    }

    /// Fails every exchange in flight with `bridge`; returns how many there were.
    @discardableResult
    func abandon(_ bridge: String, code: String, reason: String) -> Int {
        let watches = state.withLock { state in
            let watches = state.bridges[bridge]?.watches ?? [:]
            state.bridges[bridge]?.watches = [:]
            return watches
        }
        for watch in watches.values { watch(Lost(code: code, reason: reason)) }
        return watches.count
    }

    /// Every bridge that has had an exchange, by name.
    func counts() -> [Count] {
        state.withLock { state in
            state.bridges.map { Count(bridge: $0.key, open: $0.value.open, saturated: $0.value.saturated) }.sorted { $0.bridge < $1.bridge }
        }
    }

    /// ``UpstreamExchange``'s: calls `watch` when `bridge` is lost, until unwatched.
    func watch(_ bridge: String, _ watch: @escaping @Sendable (Lost) -> Void) -> UInt64 {
        state.withLock { state in
            state.next += 1
            state.bridges[bridge, default: Bridge()].watches[state.next] = watch
            return state.next
        }
    }

    func unwatch(_ bridge: String, _ id: UInt64) {
        state.withLock { _ = $0.bridges[bridge]?.watches.removeValue(forKey: id) }
    }

    /// ``UpstreamExchange``'s: one exchange with `bridge` ended.
    func close(_ bridge: String) {
        state.withLock { $0.bridges[bridge]?.open -= 1 }
    }
}
