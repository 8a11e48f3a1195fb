import Foundation
import Store
import Synchronization

/// The User-Agents the gateway did not recognise (``ClientApp`` said `unknown`), so someone can
/// see which clients to add: the last 20 distinct ones, in memory only, each cut to its first 64
/// characters and kept only when the ledger's judge of names (``RequestRecord/isName(_:)``) finds
/// nothing in it that looks like a credential.
final class UnknownAgents: Sendable {
    /// One User-Agent seen.
    struct Sample: Sendable, Encodable, Equatable {
        var userAgent: String
        var requests: Int
        var lastSeen: Date
    }

    static let capacity = 20
    private let samples = Mutex<[Sample]>([])

    /// Counts one request from `userAgent`, which ``ClientApp`` did not know.
    func saw(_ userAgent: String?, at now: Date = Date()) {
        guard let userAgent else { return }
        let cut = String(userAgent.prefix(RequestRecord.longestName))
        guard RequestRecord.isName(cut) else { return }
        samples.withLock { samples in
            if let index = samples.firstIndex(where: { $0.userAgent == cut }) {
                samples[index].requests += 1
                samples[index].lastSeen = now
            } else {
                if samples.count == Self.capacity, let oldest = samples.indices.min(by: { samples[$0].lastSeen < samples[$1].lastSeen }) {
                    samples.remove(at: oldest)
                }
                samples.append(Sample(userAgent: cut, requests: 1, lastSeen: now))
            }
        }
    }

    /// The samples, most recently seen first.
    var recent: [Sample] {
        samples.withLock { $0 }.sorted { $0.lastSeen > $1.lastSeen }
    }
}
