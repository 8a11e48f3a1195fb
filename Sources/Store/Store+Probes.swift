import GRDB

extension Store {
    /// Appends one probe result.
    public func record(_ probe: ProbeRecord) throws(StoreError) {
        _ = try write("cannot record a probe") { db in try probe.insert(db) }
    }

    /// The bridge's latest `limit` probe results, newest first.
    public func probes(bridge: String, limit: Int) throws(StoreError) -> [ProbeRecord] {
        try read("cannot read probes") { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM probes WHERE bridge = ? ORDER BY time DESC, id DESC LIMIT ?",
                arguments: [bridge, Self.clamp(limit)]
            ).map(ProbeRecord.init(row:))
        }
    }
}
