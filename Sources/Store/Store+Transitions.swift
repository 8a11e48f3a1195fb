import GRDB

extension Store {
    /// The ids of the newest transition of every (kind, subject); later ids win ties in time.
    static let newestTransitionIDs = """
        SELECT id FROM (
            SELECT id, ROW_NUMBER() OVER (PARTITION BY kind, subject ORDER BY time DESC, id DESC) AS rank
            FROM transitions)
        WHERE rank = 1
        """

    /// The latest `limit` transitions of `subject` (bridges and tunnels of that name), or of
    /// everything when `subject` is nil; newest first.
    public func transitions(subject: String?, limit: Int) throws(StoreError) -> [TransitionRecord] {
        try read("cannot read transitions") { db in
            let rows =
                if let subject {
                    try Row.fetchAll(
                        db, sql: "SELECT * FROM transitions WHERE subject = ? ORDER BY time DESC, id DESC LIMIT ?",
                        arguments: [subject, Self.clamp(limit)])
                } else {
                    try Row.fetchAll(
                        db, sql: "SELECT * FROM transitions ORDER BY time DESC, id DESC LIMIT ?",
                        arguments: [Self.clamp(limit)])
                }
            return try rows.map(TransitionRecord.init(row:))
        }
    }

    /// The newest transition of every (kind, subject), ordered by kind then subject: each one's
    /// `toState` is where that subject stood, which restores state after a restart.
    public func lastTransitions() throws(StoreError) -> [TransitionRecord] {
        try read("cannot read transitions") { db in
            try Row.fetchAll(
                db,
                sql: "SELECT * FROM transitions WHERE id IN (\(Self.newestTransitionIDs)) ORDER BY kind, subject")
                .map(TransitionRecord.init(row:))
        }
    }
}
