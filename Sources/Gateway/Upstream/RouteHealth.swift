public import Foundation
public import Logging
import Synchronization

/// What live traffic has learned about each route — a bridge, or one model on it — that keeps
/// requests away for a while. A bridge that cannot be reached (refused, reset, timed out) opens
/// the bridge's circuit breaker; a 502, 503 or 504 to a completion opens the breaker of that model
/// on that bridge only, since the bridge itself answered; a limit the bridge announced for one
/// model keeps that model away until its reset. (A limit for the whole bridge is the bridge's
/// state, `limited`, kept by the Supervisor with the other states.) Nothing else — a 500, a 4xx, a
/// failed `count_tokens` — trips anything. Every trip and every recovery is logged once. Time comes
/// from `now`, so tests move it.
public final class RouteHealth: Sendable {
    private struct Key: Hashable {
        let bridge: String
        let model: String?
    }

    private struct Entry {
        var breaker = CircuitBreaker()
        var reason = ""
        var limit: (until: Date, reason: String)?
    }

    private let entries = Mutex<[Key: Entry]>([:])
    private let logger: Logger
    /// The time, as the router and the breakers read it.
    let now: @Sendable () -> Date

    /// Health that logs to `logger` and reads the time from `now`.
    public init(logger: Logger, now: @escaping @Sendable () -> Date = { Date() }) {
        self.logger = logger
        self.now = now
    }

    /// The exchanges in flight, which a lost bridge fails at once.
    let exchanges = InFlightExchanges()

    /// The bridge was found lost (`code` `tunnel_down` or `bridge_down`): exchanges in flight with it
    /// fail now — a request not yet answered moves on to its model's next route, a stream ends
    /// with an error event — rather than hang until the read timeout.
    public func lost(_ bridge: String, code: String, reason: String) {
        let count = exchanges.abandon(bridge, code: code, reason: reason)
        if count > 0 {
            logger.warning("abandoned \(count) exchange(s) in flight: the bridge is \(code == "tunnel_down" ? "behind a dead tunnel" : "down")",
                metadata: ["bridge": "\(bridge)", "reason": "\(reason)"])
        }
    }

    /// Why `model` on `bridge` should not be tried now, or nil: the bridge's breaker, then the
    /// model's breaker, then the model's limit.
    func refusal(bridge: String, model: String) -> UpstreamRouter.Refusal? {
        let now = now()
        return entries.withLock { entries in
            for key in [Key(bridge: bridge, model: nil), Key(bridge: bridge, model: model)] {
                guard let entry = entries[key] else { continue }
                if !entry.breaker.allows(at: now), let until = entry.breaker.openUntil {
                    let what = key.model == nil ? "it" : "'\(model)' on it"
                    return UpstreamRouter.Refusal(
                        bridge: bridge, code: "bridge_down", message: "\(what) failed moments ago (\(entry.reason)); the gateway retries it at \(Self.time(until))")
                }
                if let limit = entry.limit, limit.until > now {
                    return UpstreamRouter.Refusal(bridge: bridge, code: "bridge_limited", message: limit.reason, until: limit.until)
                }
            }
            return nil
        }
    }

    /// The bridge could not be reached: its own breaker trips.
    func unreachable(_ bridge: String, reason: String) {
        trip(Key(bridge: bridge, model: nil), reason: reason)
    }

    /// The bridge answered a completion for `model` with 502, 503 or 504: that model's breaker trips.
    func unwell(_ bridge: String, model: String, reason: String) {
        trip(Key(bridge: bridge, model: model), reason: reason)
    }

    /// The bridge announced a limit for `model` alone until `until`.
    func limited(_ bridge: String, model: String, until: Date, reason: String) {
        let key = Key(bridge: bridge, model: model)
        let isNew = entries.withLock { entries in
            let wasLimited = entries[key]?.limit.map { $0.until > now() } ?? false
            entries[key, default: Entry()].limit = (until, reason)
            return !wasLimited
        }
        guard isNew else { return }
        logger.warning(
            "limited: the bridge announced a limit for this model; requests go to other routes until it resets",
            metadata: ["bridge": "\(bridge)", "model": "\(model)", "until": "\(Self.time(until))", "reason": "\(reason)"])
    }

    /// A request got an answer: the bridge's breaker closes, and with a model (a completion) that
    /// model's breaker and limit too.
    func succeeded(_ bridge: String, model: String?) {
        var keys = [Key(bridge: bridge, model: nil)]
        if let model { keys.append(Key(bridge: bridge, model: model)) }
        let closed = entries.withLock { entries in
            keys.filter { key in
                guard var entry = entries[key] else { return false }
                let wasOpen = entry.breaker.failures > 0
                entry.breaker.succeeded()
                if key.model != nil { entry.limit = nil }
                entries[key] = entry.limit == nil ? nil : entry
                return wasOpen
            }
        }
        for key in closed {
            logger.notice("circuit closed: the bridge answers again", metadata: Self.metadata(key))
        }
    }

    /// A probe found the bridge live: its breaker closes (models' breakers and limits stay: a
    /// probe does not ask for completions).
    public func probedLive(_ bridge: String) {
        succeeded(bridge, model: nil)
    }

    /// What keeps requests away now, by bridge and model.
    public func conditions() -> [RouteCondition] {
        let now = now()
        return entries.withLock { entries in
            entries.flatMap { key, entry -> [RouteCondition] in
                var conditions: [RouteCondition] = []
                if !entry.breaker.allows(at: now), let until = entry.breaker.openUntil {
                    conditions.append(RouteCondition(bridge: key.bridge, model: key.model, kind: .circuitOpen, until: until, reason: entry.reason))
                }
                if let limit = entry.limit, limit.until > now {
                    conditions.append(RouteCondition(bridge: key.bridge, model: key.model, kind: .limited, until: limit.until, reason: limit.reason))
                }
                return conditions
            }
        }.sorted { ($0.bridge, $0.model ?? "", $0.kind.rawValue) < ($1.bridge, $1.model ?? "", $1.kind.rawValue) }
    }

    private func trip(_ key: Key, reason: String) {
        let now = now()
        let until = entries.withLock { entries in
            entries[key, default: Entry()].breaker.failed(at: now)
            entries[key]?.reason = reason
            return entries[key]?.breaker.openUntil ?? now
        }
        var metadata = Self.metadata(key)
        metadata["until"] = "\(Self.time(until))"
        metadata["reason"] = "\(reason)"
        logger.warning("circuit open: requests go to other routes until the cool-down ends", metadata: metadata)
    }

    private static func metadata(_ key: Key) -> Logger.Metadata {
        var metadata: Logger.Metadata = ["bridge": "\(key.bridge)"]
        if let model = key.model { metadata["model"] = "\(model)" }
        return metadata
    }

    /// An instant as clients and logs read it: ISO 8601 in UTC.
    static func time(_ date: Date) -> String {
        date.formatted(.iso8601)
    }
}
