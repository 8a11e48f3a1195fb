import Quota
import Foundation
import Platform
import Store
import Synchronization

/// How much of each bridge's budgets (``QuotaBudget``) is used, counted from the ledger: what the
/// router reads to keep a nearly spent subscription for last, and what the dashboard's
/// `subscriptions` shows. Each budget's count is read again at most every 10 s (the ledger's
/// rows arrive in batches anyway); the reads wait for SQLite, never on the cooperative pool.
/// Without a ledger nothing is counted. Time comes from `now`.
final class QuotaBook: Sendable {
    /// One budget as it stands.
    struct Standing: Sendable, Encodable, Equatable {
        var kind: QuotaBudget.Kind
        /// As written in the config: `300/month`.
        var budget: String
        var used: Int
        var remaining: Int
        var resetsAt: Date
    }

    /// From this share of a budget on, the bridge is used only when no other route is usable.
    static let nearlySpent = 0.9
    static let refresh: TimeInterval = 10

    private struct Key: Hashable {
        let bridge: String
        let budget: String
    }

    private let store: Store?
    private let now: @Sendable () -> Date
    private let counted = Mutex<[Key: (at: Date, used: Int)]>([:])

    init(store: Store?, now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.now = now
    }

    /// Whether any budget of `bridge` is nearly spent (90 % or more), reading the ledger only when
    /// a count is older than 10 s.
    func isNearlySpent(_ bridge: GatewayConfiguration.Bridge) async -> Bool {
        guard !bridge.quota.isEmpty, store != nil else { return false }
        let standings: [Standing]
        if let cached = cachedStandings(of: bridge) {
            standings = cached
        } else {
            standings = await BlockingWork.run("bk-quota") { [self] in self.standings(of: bridge) }
        }
        return zip(bridge.quota, standings).contains { budget, standing in Double(standing.used) >= Self.nearlySpent * Double(budget.limit) }
    }

    /// Every budget of `bridge` as it stands, from counts at most 10 s old; blocks on SQLite when
    /// one is older.
    func standings(of bridge: GatewayConfiguration.Bridge) -> [Standing] {
        let now = now()
        return bridge.quota.map { budget in
            let key = Key(bridge: bridge.name, budget: budget.text)
            let used: Int
            if let fresh = counted.withLock({ $0[key] }), now.timeIntervalSince(fresh.at) < Self.refresh {
                used = fresh.used
            } else {
                let usage = (try? store?.usage(bridge: bridge.name, since: budget.start(at: now))) ?? (requests: 0, tokens: 0)
                used = budget.kind == .requests ? usage.requests : usage.tokens
                counted.withLock { $0[key] = (now, used) }
            }
            return Standing(kind: budget.kind, budget: budget.text, used: used, remaining: max(0, budget.limit - used), resetsAt: budget.reset(at: now))
        }
    }

    /// The standings when every count is fresh; nil when one must be read again.
    private func cachedStandings(of bridge: GatewayConfiguration.Bridge) -> [Standing]? {
        let now = now()
        let fresh = counted.withLock { counted in
            bridge.quota.allSatisfy { budget in
                counted[Key(bridge: bridge.name, budget: budget.text)].map { now.timeIntervalSince($0.at) < Self.refresh } ?? false
            }
        }
        return fresh ? standings(of: bridge) : nil
    }
}
