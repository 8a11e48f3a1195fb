public import Store

/// Where the gateway records one row per request. The daemon's is a ``LedgerWriter``.
public protocol RequestLedger: Sendable {
    /// Records a finished request (never blocks on the database).
    func record(_ entry: RequestRecord)
    /// Writes every row recorded so far and stops; blocks until they are written.
    func close()
}
