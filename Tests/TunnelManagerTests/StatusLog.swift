import Foundation
import Synchronization
import TestSupport
import TunnelManager

/// Every status a manager publishes from the moment the log is made, so a test can find a
/// short-lived state (`stalled` before the reconnect) that polling might miss on a busy machine.
final class StatusLog: Sendable {
    private final class Seen: Sendable {
        let statuses = Mutex<[TunnelStatus]>([])
    }

    private let seen = Seen()
    private let task: Task<Void, Never>
    private let executor = ThreadExecutor(name: "StatusLog")

    /// Collects on a thread of its own: the cooperative pool may be busy with blocked tests.
    init(_ manager: TunnelManager) {
        let stream = manager.changes()
        let seen = seen
        task = Task(executorPreference: executor) { for await status in stream { seen.statuses.withLock { $0.append(status) } } }
    }

    deinit {
        task.cancel()
        executor.stop()
    }

    /// Every status logged so far, oldest first.
    var statuses: [TunnelStatus] { seen.statuses.withLock { $0 } }

    /// The first `count` statuses logged that meet `condition`, waiting up to `timeout` for them;
    /// fewer when time ran out.
    func first(_ count: Int, timeout: Duration, where condition: (TunnelStatus) -> Bool) -> [TunnelStatus] {
        var matching: [TunnelStatus] = []
        _ = try? Wait.until("\(count) statuses", timeout: timeout, interval: .milliseconds(50)) {
            matching = seen.statuses.withLock { Array($0.filter(condition).prefix(count)) }
            return matching.count == count
        }
        return matching
    }

    /// The first status logged that meets `condition`, waiting up to `timeout`.
    func waitFor(_ what: String, timeout: Duration, _ condition: (TunnelStatus) -> Bool) throws -> TunnelStatus {
        try Wait.value(what, timeout: timeout, lastSeen: { "\(self.statuses.map { "\($0.state) \($0.failure?.rawValue ?? "-")" })" }) {
            seen.statuses.withLock { $0.first(where: condition) }
        }
    }
}
