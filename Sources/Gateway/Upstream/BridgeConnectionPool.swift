import NIOCore

/// The idle keep-alive connections of one event loop, by bridge endpoint; touched only on that
/// loop. The most recently parked connection is taken first (the warmest); one parked longer than
/// the client's idle timeout is closed.
final class BridgeConnectionPool {
    /// Where a connection goes: connections are shared by every call to the same endpoint.
    struct Key: Hashable, Sendable {
        var tls: Bool
        /// The literal address dialled (the policy's; never resolved) or, only in tests, a name.
        var host: String
        var port: Int
        /// The `Host` header: the URL's host and port as written.
        var hostHeader: String
    }

    private struct Parked {
        let connection: BridgeConnection
        let since: NIODeadline
    }

    private let loop: any EventLoop
    private let idleTimeout: TimeAmount
    private var idle: [Key: [Parked]] = [:]
    private var sweep: Scheduled<Void>?

    init(loop: any EventLoop, idleTimeout: TimeAmount) {
        self.loop = loop
        self.idleTimeout = idleTimeout
    }

    /// An idle connection to `key` that is still open, if one is parked.
    func take(_ key: Key) -> BridgeConnection? {
        while let parked = idle[key]?.popLast() {
            if parked.connection.isActive { return parked.connection }
        }
        return nil
    }

    /// Keeps `connection` for the next call to its endpoint.
    func park(_ connection: BridgeConnection) {
        idle[connection.key, default: []].append(Parked(connection: connection, since: .now()))
        if sweep == nil { scheduleSweep(at: .now() + idleTimeout) }
    }

    /// Forgets a parked connection that closed.
    func remove(_ connection: BridgeConnection) {
        idle[connection.key]?.removeAll { $0.connection === connection }
    }

    /// Closes every parked connection (the client shuts down).
    func closeAll() {
        sweep?.cancel()
        sweep = nil
        let parked = idle.values.joined().map(\.connection)
        idle = [:]
        for connection in parked { connection.close() }
    }

    private func scheduleSweep(at deadline: NIODeadline) {
        let pool = NIOLoopBound(self, eventLoop: loop)
        sweep = loop.scheduleTask(deadline: deadline) { pool.value.closeStale() }
    }

    /// Closes what has been parked `idleTimeout` or longer (the oldest are first in each list).
    private func closeStale() {
        sweep = nil
        let now = NIODeadline.now()
        var stale: [BridgeConnection] = []
        var next: NIODeadline?
        for key in idle.keys {
            let parked = idle[key]!
            let keep = parked.drop { $0.since + idleTimeout <= now }
            stale += parked.prefix(parked.count - keep.count).map(\.connection)
            idle[key] = keep.isEmpty ? nil : Array(keep)
            if let oldest = keep.first { next = min(next ?? oldest.since, oldest.since) }
        }
        for connection in stale { connection.close() }
        if let next { scheduleSweep(at: next + idleTimeout) }
    }
}
