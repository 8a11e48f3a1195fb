import GRDB

extension Store {
    /// Every open incident, oldest first.
    public func openIncidents() throws(StoreError) -> [IncidentRecord] {
        try read("cannot read incidents") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM incidents WHERE resolved_at IS NULL ORDER BY opened_at, id")
                .map(IncidentRecord.init(row:))
        }
    }

    /// The incident with this id, open or resolved; nil when there is none (or it was pruned).
    public func incident(id: Int64) throws(StoreError) -> IncidentRecord? {
        try read("cannot read an incident") { db in
            try Row.fetchOne(db, sql: "SELECT * FROM incidents WHERE id = ?", arguments: [id])
                .map(IncidentRecord.init(row:))
        }
    }

    /// Writes what one event produced in one transaction, all or nothing: the transitions, then the
    /// incidents (`id` nil inserts, `id` set overwrites that row), then the outbox messages (linked
    /// by `incidentKey` as `StoreBatch.outbox` says). Returns the batch's incidents with their ids.
    ///
    /// Fails with `.conflict` when an insert would open a second incident for an open key, with
    /// `.notFound` when an update names a missing incident, and with `.invalidRecord` when a message
    /// carries a webhook URL or a credential header; in every case nothing is written.
    ///
    /// `messages`, when given, is called inside the transaction with the batch's incidents once they
    /// have their ids, and what it returns is queued too: messages can then name the incident a
    /// notice opened (its id is in the text on-call reads).
    public func commit(
        _ batch: StoreBatch, messages: ([IncidentRecord]) -> [OutboxMessage] = { _ in [] }
    ) throws(StoreError) -> [IncidentRecord] {
        if let refusal = batch.outbox.lazy.compactMap(\.refusal).first {
            throw StoreError(.invalidRecord, path: path, "cannot commit a batch: \(refusal)")
        }
        let path = path
        return try write("cannot commit a batch") { db in
            for transition in batch.transitions {
                _ = try transition.insert(db)
            }
            var incidents: [IncidentRecord] = []
            for var incident in batch.incidents {
                if let id = incident.id {
                    guard try incident.update(db, id: id) else {
                        throw StoreError(.notFound, path: path, "cannot commit a batch: incident \(id) does not exist")
                    }
                } else {
                    incident.id = try incident.insert(db)
                }
                incidents.append(incident)
            }
            let rendered = messages(incidents)
            if let refusal = rendered.lazy.compactMap(\.refusal).first {
                throw StoreError(.invalidRecord, path: path, "cannot commit a batch: \(refusal)")
            }
            for var message in batch.outbox + rendered {
                if message.incidentId == nil, let key = message.incidentKey {
                    message.incidentId = try Self.incidentID(key: key, batch: incidents, db)
                }
                _ = try message.insert(db)
            }
            return incidents
        }
    }

    /// The id a message keyed `key` links to: the batch's open incident with that key, else its
    /// latest incident with that key, else the stored open one.
    private static func incidentID(key: String, batch: [IncidentRecord], _ db: Database) throws -> Int64? {
        let matching = batch.filter { $0.key == key }
        if let incident = matching.last(where: { $0.resolvedAt == nil }) ?? matching.last {
            return incident.id
        }
        return try Int64.fetchOne(
            db, sql: "SELECT id FROM incidents WHERE \"key\" = ? AND resolved_at IS NULL", arguments: [key])
    }
}
