import CurlHTTP
public import BridgeProbe
public import Config
public import Foundation
public import OnCall
import Synchronization
import TOML
public import TunnelManager

/// Every bridge's state: its probe verdicts through ``BridgeHealth``'s hysteresis, overruled by
/// its tunnel. While the tunnel a bridge names is in backoff, down, failed or exposed, the bridge is
/// `tunnel_down` (at once, whatever the probes say); when the tunnel is up again the bridge is
/// probed straight away. A tunnel that is only connecting changes no state, but until a bridge's
/// tunnel has been seen up the bridge is not probed at all (``mayProbe(_:)``): whatever listens on
/// its port then may be a squatter, not the bridge. A managed bridge caught listening beyond
/// loopback is `exposed` for good (until the configuration changes). Every change of state is
/// also published to ``changes()``, in the order it was made.
public final class BridgeMonitor: Sendable {
    /// A bridge's change of state.
    public struct Change: Sendable, Equatable {
        /// The bridge.
        public var bridge: String
        /// The tunnel it names, if any.
        public var tunnel: String?
        /// From what to what, why, when.
        public var transition: BridgeHealth.Transition

        /// The change as the incident book takes it.
        public var stateChange: StateChange {
            .bridge(bridge, from: transition.from, to: transition.to, reason: transition.reason, message: transition.message, tunnel: tunnel)
        }
    }

    private struct Entry {
        /// What the bridge's state depends on: a reload keeps the state while this is unchanged.
        let identity: Identity
        let name: String
        let tunnel: String?
        let subscription: String?
        var health: BridgeHealth
        var lastProbe: ProbeResult?
        var lastProbeAt: Date?
        /// Set while the bridge's tunnel is not up.
        var tunnelBlock: ProbeVerdict?
        /// Whether the tunnel it names was up when last seen (true for a bridge without one).
        var tunnelUp: Bool
        /// Set once a managed bridge was caught listening beyond loopback.
        var exposure: ProbeVerdict?
        /// Until when it is `limited` (it announced a rate or quota limit); probes do not move
        /// its state before then.
        var limitedUntil: Date?

        /// Whether probes are kept without moving the state.
        var isBlocked: Bool { tunnelBlock != nil || exposure != nil }
    }

    /// A bridge's name, URL, API, tunnel, subscription and managed command.
    private struct Identity: Equatable {
        let name: String
        let url: String
        let api: String
        let tunnel: String?
        let subscription: String?
        let command: [String]?

        init(_ bridge: Configuration.Bridge) {
            name = bridge.name
            url = bridge.url.value
            api = bridge.api.rawValue
            tunnel = bridge.tunnel
            subscription = bridge.subscription
            command = bridge.command
        }
    }

    private let entries: Mutex<[Entry]>
    /// Taken only inside `entries`' lock when publishing, so changes reach every stream in order.
    private let subscribers = Mutex<[UUID: AsyncStream<Change>.Continuation]>([:])
    private let failuresToFall: Int
    private let successesToRise: Int

    /// Bridges from the configuration, all `unknown` as of `start`.
    public init(bridges: [Configuration.Bridge], start: Date, failuresToFall: Int = 2, successesToRise: Int = 1) {
        self.failuresToFall = failuresToFall
        self.successesToRise = successesToRise
        entries = Mutex(bridges.map { bridge in
            Self.entry(bridge, failuresToFall: failuresToFall, successesToRise: successesToRise, start: start)
        })
    }

    /// Follows a reloaded configuration: a bridge whose name, URL, API, tunnel, subscription and
    /// command are unchanged keeps its state; a new or changed one starts `unknown` as of `now`; a
    /// removed one is forgotten.
    public func apply(bridges: [Configuration.Bridge], at now: Date) {
        entries.withLock { entries in
            entries = bridges.map { bridge in
                entries.first { $0.identity == Identity(bridge) }
                    ?? Self.entry(bridge, failuresToFall: failuresToFall, successesToRise: successesToRise, start: now)
            }
        }
    }

    private static func entry(_ bridge: Configuration.Bridge, failuresToFall: Int, successesToRise: Int, start: Date) -> Entry {
        Entry(
            identity: Identity(bridge), name: bridge.name, tunnel: bridge.tunnel, subscription: bridge.subscription,
            health: BridgeHealth(failuresToFall: failuresToFall, successesToRise: successesToRise, start: start),
            tunnelUp: bridge.tunnel == nil)
    }

    /// Whether the named bridge may be probed now: it names no tunnel, or its tunnel was up when
    /// last seen. Unknown names may (a reload may have just added them).
    public func mayProbe(_ name: String) -> Bool {
        entries.withLock { entries in entries.first { $0.name == name }?.tunnelUp ?? true }
    }

    /// Every change of a bridge's state from now on, in order, whatever caused it (a probe, a
    /// tunnel, a managed bridge's exposure), as `TunnelManager.changes()` gives tunnels' statuses;
    /// but none is ever dropped (on-call must see each one) and none from before is replayed.
    /// The stream ends at ``finishChanges()``, once what it holds has been read.
    public func changes() -> AsyncStream<Change> {
        let (stream, continuation) = AsyncStream<Change>.makeStream(bufferingPolicy: .unbounded)
        let id = UUID()
        subscribers.withLock { $0[id] = continuation }
        continuation.onTermination = { [weak self] _ in self?.subscribers.withLock { _ = $0.removeValue(forKey: id) } }
        return stream
    }

    /// Ends every ``changes()`` stream (at shutdown, once nothing changes the states any more).
    public func finishChanges() {
        for continuation in subscribers.withLock({ Array($0.values) }) { continuation.finish() }
    }

    /// Publishes `changes`; the caller holds `entries`' lock.
    private func publish(_ changes: [Change]) {
        guard !changes.isEmpty else { return }
        subscribers.withLock { subscribers in
            for continuation in subscribers.values { for change in changes { continuation.yield(change) } }
        }
    }

    /// Takes in one probe; returns the change it caused. While the bridge's tunnel is not up the
    /// result is kept (for its timings) but does not move the state.
    public func observe(_ result: ProbeResult, at now: Date) -> Change? {
        entries.withLock { entries in
            guard let index = entries.firstIndex(where: { $0.name == result.bridge }) else { return nil }
            entries[index].lastProbe = result
            entries[index].lastProbeAt = now
            guard !entries[index].isBlocked else { return nil }
            if let until = entries[index].limitedUntil {
                guard now >= until else { return nil }
                entries[index].limitedUntil = nil
            }
            let change = entries[index].health.observe(result.verdict, at: now).map {
                Change(bridge: entries[index].name, tunnel: entries[index].tunnel, transition: $0)
            }
            publish(change.map { [$0] } ?? [])
            return change
        }
    }

    /// Takes in the tunnels' current statuses; returns the changes this caused and the bridges to
    /// probe now because their tunnel came back.
    public func tunnelsChanged(_ tunnels: [TunnelStatus], at now: Date) -> (changes: [Change], probeNow: [String]) {
        entries.withLock { entries in
            var changes: [Change] = []
            var probeNow: [String] = []
            for index in entries.indices {
                guard let name = entries[index].tunnel, let tunnel = tunnels.first(where: { $0.name == name }) else { continue }
                let wasUp = entries[index].tunnelUp
                entries[index].tunnelUp = tunnel.state == .up
                switch tunnel.state {
                case .up:
                    if entries[index].tunnelBlock != nil || !wasUp {
                        entries[index].tunnelBlock = nil
                        probeNow.append(entries[index].name)
                    }
                case .connecting:
                    continue
                case .backoff, .down, .failed, .exposed, .hijacked:
                    let detail = [tunnel.failure?.rawValue, tunnel.reason].compactMap { $0 }.joined(separator: ": ")
                    let verdict = ProbeVerdict(.tunnelDown, reason: "tunnel \(name) is \(tunnel.state.rawValue)" + (detail.isEmpty ? "" : " (\(detail))"))
                    entries[index].tunnelBlock = verdict
                    if entries[index].exposure == nil, let transition = entries[index].health.observe(verdict, at: now) {
                        changes.append(Change(bridge: entries[index].name, tunnel: name, transition: transition))
                    }
                }
            }
            publish(changes)
            return (changes, probeNow)
        }
    }

    /// Marks a managed bridge `exposed`: it listened beyond loopback and was stopped. Nothing
    /// moves it from there but a new configuration.
    public func exposed(_ bridge: String, reason: String, at now: Date) -> Change? {
        entries.withLock { entries in
            guard let index = entries.firstIndex(where: { $0.name == bridge }) else { return nil }
            let verdict = ProbeVerdict(.exposed, reason: reason, message: "restart it bound to 127.0.0.1, then reload")
            entries[index].exposure = verdict
            let change = entries[index].health.observe(verdict, at: now).map {
                Change(bridge: entries[index].name, tunnel: entries[index].tunnel, transition: $0)
            }
            publish(change.map { [$0] } ?? [])
            return change
        }
    }

    /// Marks a bridge `limited` until `until`: it announced a rate or quota limit (the gateway's
    /// traffic found it). Its probes are kept but do not move its state before then; the first
    /// probe after it does. A bridge already limited only has its reset moved (no new change), so
    /// a burst of 429s is one change; a tunnel or an exposure overrules a limit.
    public func limited(_ bridge: String, until: Date, reason: String, at now: Date) -> Change? {
        entries.withLock { entries in
            guard let index = entries.firstIndex(where: { $0.name == bridge }), !entries[index].isBlocked else { return nil }
            let until = max(until, entries[index].limitedUntil ?? until)
            entries[index].limitedUntil = until
            let verdict = ProbeVerdict(.limited, reason: "\(reason); resets at \(until.formatted(.iso8601))")
            let change = entries[index].health.observe(verdict, at: now).map {
                Change(bridge: entries[index].name, tunnel: entries[index].tunnel, transition: $0)
            }
            publish(change.map { [$0] } ?? [])
            return change
        }
    }

    /// Every bridge's status, in config order.
    public var statuses: [StatusReport.Bridge] {
        entries.withLock { entries in entries.map(Self.status) }
    }

    /// One bridge's status.
    public func status(of bridge: String) -> StatusReport.Bridge? {
        entries.withLock { entries in entries.first { $0.name == bridge }.map(Self.status) }
    }

    private static func status(_ entry: Entry) -> StatusReport.Bridge {
        StatusReport.Bridge(
            name: entry.name, state: entry.health.state.rawValue, since: entry.health.since, reason: entry.health.reason,
            message: entry.health.message, tunnel: entry.tunnel, subscription: entry.subscription,
            lastProbe: entry.lastProbeAt, latencyMs: entry.lastProbe?.timings.totalMs,
            httpStatus: entry.lastProbe?.verdict.httpStatus, limitedUntil: entry.health.state == .limited ? entry.limitedUntil : nil)
    }
}
