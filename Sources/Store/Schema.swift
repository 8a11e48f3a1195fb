import GRDB

/// The database schema, as GRDB migrations.
///
/// Append-only: a migration that has shipped is never edited, renamed or reordered, because
/// databases in the field have already run it. Every change is a new migration registered after
/// the last one. A database that
/// has run a migration this build does not know was written by a newer build, and `Store` refuses
/// to open it rather than guess.
///
/// The DDL is literal SQL so that a migration's effect cannot drift with the GRDB version.
/// Times are GRDB's default `Date` storage: UTC text `YYYY-MM-DD HH:MM:SS.SSS`, which sorts and
/// compares in time order and keeps milliseconds.
enum Schema {
    /// Every migration, in order.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1", migrate: v1)
        migrator.registerMigration("v2", migrate: v2)
        migrator.registerMigration("v3", migrate: v3)
        return migrator
    }

    /// Probes, transitions, incidents and the webhook outbox.
    private static func v1(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE probes (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    bridge TEXT NOT NULL,
                    time DATETIME NOT NULL,
                    verdict TEXT NOT NULL,
                    http_status INTEGER,
                    reason TEXT,
                    message TEXT,
                    connect_ms DOUBLE,
                    tls_ms DOUBLE,
                    first_byte_ms DOUBLE,
                    total_ms DOUBLE
                );
                CREATE INDEX probes_by_bridge_time ON probes(bridge, time);
                CREATE INDEX probes_by_time ON probes(time);

                CREATE TABLE transitions (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    time DATETIME NOT NULL,
                    kind TEXT NOT NULL,
                    subject TEXT NOT NULL,
                    from_state TEXT NOT NULL,
                    to_state TEXT NOT NULL,
                    reason TEXT,
                    message TEXT
                );
                CREATE INDEX transitions_by_subject_time ON transitions(subject, time);
                CREATE INDEX transitions_by_time ON transitions(time);

                CREATE TABLE incidents (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    "key" TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    subject TEXT NOT NULL,
                    state TEXT NOT NULL,
                    reason TEXT,
                    message TEXT,
                    bridges TEXT NOT NULL DEFAULT '[]',
                    opened_at DATETIME NOT NULL,
                    last_notified_at DATETIME,
                    reminders_sent INTEGER NOT NULL DEFAULT 0,
                    flapping BOOLEAN NOT NULL DEFAULT 0,
                    resolved_at DATETIME
                );
                -- At most one open incident per key.
                CREATE UNIQUE INDEX incidents_open_key ON incidents("key") WHERE resolved_at IS NULL;

                CREATE TABLE outbox (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    webhook TEXT NOT NULL,
                    incident_id INTEGER REFERENCES incidents(id) ON DELETE SET NULL,
                    incident_key TEXT,
                    event TEXT NOT NULL,
                    body TEXT NOT NULL,
                    content_type TEXT NOT NULL,
                    headers TEXT NOT NULL DEFAULT '{}',
                    created_at DATETIME NOT NULL,
                    next_attempt_at DATETIME NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    last_error TEXT,
                    delivered_at DATETIME
                );
                -- Due messages (delivered_at IS NULL, next_attempt_at <= now) and retention.
                CREATE INDEX outbox_by_delivery ON outbox(delivered_at, next_attempt_at);
                -- Pruning an incident nulls its messages' incident_id without a table scan.
                CREATE INDEX outbox_by_incident ON outbox(incident_id);
                """)
    }

    /// The gateway's request ledger: one row per request it answered.
    private static func v2(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE requests (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    time DATETIME NOT NULL,
                    caller TEXT,
                    client_app TEXT NOT NULL,
                    surface TEXT NOT NULL,
                    model_requested TEXT,
                    model_served TEXT,
                    bridge TEXT,
                    stream BOOLEAN NOT NULL DEFAULT 0,
                    status INTEGER NOT NULL,
                    error_code TEXT,
                    tokens_in INTEGER,
                    tokens_out INTEGER,
                    tokens_estimated BOOLEAN NOT NULL DEFAULT 0,
                    latency_ms DOUBLE NOT NULL,
                    ttfb_ms DOUBLE,
                    cost_avoided DOUBLE,
                    compression_operations INTEGER NOT NULL DEFAULT 0,
                    compression_tokens_saved INTEGER NOT NULL DEFAULT 0
                );
                -- The request list, the daily metrics (a time range) and retention.
                CREATE INDEX requests_by_time ON requests(time);
                -- The request list filtered by caller, model or bridge, newest first.
                CREATE INDEX requests_by_caller_time ON requests(caller, time);
                CREATE INDEX requests_by_model_served_time ON requests(model_served, time);
                -- The model filter matches requested OR served: each side of the OR needs its own index.
                CREATE INDEX requests_by_model_requested_time ON requests(model_requested, time);
                CREATE INDEX requests_by_bridge_time ON requests(bridge, time);
                -- The clients summary groups by client app.
                CREATE INDEX requests_by_client_app ON requests(client_app);
                """)
    }

    /// The ledger's `key`: the authenticated client key's name, apart from the `caller` label.
    private static func v3(_ db: Database) throws {
        try db.execute(
            sql: """
                ALTER TABLE requests ADD COLUMN "key" TEXT;
                -- The request list filtered by key, newest first.
                CREATE INDEX requests_by_key_time ON requests("key", time);
                """)
    }
}
