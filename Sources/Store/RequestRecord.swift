public import Foundation
import GRDB

/// One request the gateway answered: who asked, through which surface, for which model, what was
/// served by which bridge, how it went and what it cost. The ledger's one row per request.
///
/// Never a secret: `key`, `caller` and `clientApp` are names, and the store drops any of them that
/// looks like a credential (``isName(_:)``; see `Store.record(requests:)`).
public struct RequestRecord: Sendable, Equatable, Codable {
    /// The row id; nil until stored.
    public var id: Int64?
    /// When the request arrived.
    public var time: Date
    /// The name of the client key that authenticated the request: who it was. Nil on a gateway
    /// without client keys (loopback only).
    public var key: String?
    /// The `X-Caller` header: a free label the client chose, shown beside `key`, never instead of
    /// it. Nil when the client sent none (or one that was not a name).
    public var caller: String?
    /// The client detected from `User-Agent`: `codex`, `claude-code`, `openai-python`,
    /// `anthropic-python`, `curl`, `unknown`, …
    public var clientApp: String
    /// `chat.completions`, `responses`, `messages`, `messages.count_tokens` or `models`.
    public var surface: String
    /// The model the client asked for, as it spelled it (an alias is possible).
    public var modelRequested: String?
    /// The canonical id of the model actually served.
    public var modelServed: String?
    /// The bridge that served the request, or the last one tried.
    public var bridge: String?
    /// Whether the response was streamed (SSE).
    public var stream: Bool
    /// The HTTP status sent to the client.
    public var status: Int
    /// Why it failed, e.g. `bridge_auth_required`, `model_not_found`, `upstream_error`; also for a
    /// stream that broke after its `200` went out (`upstream_disconnected`).
    public var errorCode: String?

    /// Whether the request succeeded: a 2xx or 3xx status and no error. A stream that broke after
    /// its `200` is a failure, as the daily success rate counts it.
    public var succeeded: Bool { (200..<400).contains(status) && errorCode == nil }
    /// Input tokens.
    public var tokensIn: Int?
    /// Output tokens.
    public var tokensOut: Int?
    /// Whether the token counts are the gateway's estimates rather than the upstream's report.
    public var tokensEstimated: Bool
    /// Milliseconds until the last byte went to the client.
    public var latencyMs: Double
    /// Milliseconds until the first byte went to the client.
    public var ttfbMs: Double?
    /// What the request would have cost through the provider's API, in USD at list price.
    public var costAvoided: Double?
    /// How many compression operations the gateway applied to the request.
    public var compressionOperations: Int
    /// How many tokens those compressions saved.
    public var compressionTokensSaved: Int

    /// A request; `id` stays nil until the store assigns one.
    public init(
        id: Int64? = nil, time: Date, key: String? = nil, caller: String? = nil, clientApp: String, surface: String,
        modelRequested: String? = nil, modelServed: String? = nil, bridge: String? = nil, stream: Bool = false,
        status: Int, errorCode: String? = nil, tokensIn: Int? = nil, tokensOut: Int? = nil,
        tokensEstimated: Bool = false, latencyMs: Double, ttfbMs: Double? = nil, costAvoided: Double? = nil,
        compressionOperations: Int = 0, compressionTokensSaved: Int = 0
    ) {
        self.id = id
        self.time = time
        self.key = key
        self.caller = caller
        self.clientApp = clientApp
        self.surface = surface
        self.modelRequested = modelRequested
        self.modelServed = modelServed
        self.bridge = bridge
        self.stream = stream
        self.status = status
        self.errorCode = errorCode
        self.tokensIn = tokensIn
        self.tokensOut = tokensOut
        self.tokensEstimated = tokensEstimated
        self.latencyMs = latencyMs
        self.ttfbMs = ttfbMs
        self.costAvoided = costAvoided
        self.compressionOperations = compressionOperations
        self.compressionTokensSaved = compressionTokensSaved
    }
}

extension RequestRecord {
    /// The longest name kept: a caller label, a key's name or a client app.
    public static let longestName = 64

    /// Whether `text` may be stored and shown as a name: 1 to ``longestName`` printable ASCII
    /// characters that do not look like a credential. Credentials are what starts as one
    /// (`sk-`, `Bearer `, `Basic `, GitHub's and Slack's token prefixes, in any case, after
    /// leading spaces) and long runs of letters and digits mixed, as random keys are. The gateway
    /// judges `X-Caller` with it and the store every name it writes, so the two cannot disagree.
    public static func isName(_ text: String) -> Bool {
        guard (1...longestName).contains(text.utf8.count), text.utf8.allSatisfy({ (0x20..<0x7F).contains($0) }) else { return false }
        let start = text.drop(while: { $0 == " " }).lowercased()
        guard !start.isEmpty, !credentialPrefixes.contains(where: { start.hasPrefix($0) }) else { return false }
        return !text.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).contains { run in
            run.count >= 24 && run.contains(where: \.isNumber) && run.contains(where: \.isLetter)
        }
    }

    private static let credentialPrefixes = [
        "sk-", "sk_", "bearer ", "basic ", "token ", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "xoxb-", "xoxp-",
    ]

    /// The record with every name that is not ``isName(_:)`` dropped (`clientApp` becomes
    /// `unknown`), and how many were.
    var withNamesOnly: (record: RequestRecord, dropped: Int) {
        var record = self
        var dropped = 0
        if let key, !Self.isName(key) { record.key = nil; dropped += 1 }
        if let caller, !Self.isName(caller) { record.caller = nil; dropped += 1 }
        if !Self.isName(clientApp) { record.clientApp = "unknown"; dropped += 1 }
        return (record, dropped)
    }

    init(row: Row) throws {
        self.init(
            id: try row.decode(forColumn: "id"),
            time: try row.decode(forColumn: "time"),
            key: try row.decode(forColumn: "key"),
            caller: try row.decode(forColumn: "caller"),
            clientApp: try row.decode(forColumn: "client_app"),
            surface: try row.decode(forColumn: "surface"),
            modelRequested: try row.decode(forColumn: "model_requested"),
            modelServed: try row.decode(forColumn: "model_served"),
            bridge: try row.decode(forColumn: "bridge"),
            stream: try row.decode(forColumn: "stream"),
            status: try row.decode(forColumn: "status"),
            errorCode: try row.decode(forColumn: "error_code"),
            tokensIn: try row.decode(forColumn: "tokens_in"),
            tokensOut: try row.decode(forColumn: "tokens_out"),
            tokensEstimated: try row.decode(forColumn: "tokens_estimated"),
            latencyMs: try row.decode(forColumn: "latency_ms"),
            ttfbMs: try row.decode(forColumn: "ttfb_ms"),
            costAvoided: try row.decode(forColumn: "cost_avoided"),
            compressionOperations: try row.decode(forColumn: "compression_operations"),
            compressionTokensSaved: try row.decode(forColumn: "compression_tokens_saved")
        )
    }

    /// Inserts the row (ignoring `id`) and returns the new id.
    func insert(_ db: Database) throws -> Int64 {
        // A cached statement: SQLite parses the INSERT once per connection, not once per row.
        let statement = try db.cachedStatement(
            sql: """
                INSERT INTO requests (time, "key", caller, client_app, surface, model_requested, model_served, bridge,
                                      stream, status, error_code, tokens_in, tokens_out, tokens_estimated,
                                      latency_ms, ttfb_ms, cost_avoided, compression_operations,
                                      compression_tokens_saved)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        try statement.execute(
            arguments: [
                time, key, caller, clientApp, surface, modelRequested, modelServed, bridge, stream, status, errorCode,
                tokensIn, tokensOut, tokensEstimated, latencyMs, ttfbMs, costAvoided, compressionOperations,
                compressionTokensSaved,
            ])
        return db.lastInsertedRowID
    }
}
