import Foundation
import Hummingbird
import Platform
import Store
import Translation

/// One request's ledger row, filled in as the request goes.
struct LedgerEntry: Sendable {
    private let started = ContinuousClock.now
    private let time = Date()
    private var firstByte: ContinuousClock.Instant?
    /// `X-Caller`, when the client sent one that is a name (``RequestRecord/isName(_:)``).
    let caller: String?
    /// The client key's name, when the gateway has keys.
    let key: String?
    let clientApp: String
    let surface: String
    var modelRequested: String?
    var modelServed: String?
    var bridge: String?
    var stream = false
    var status = 0
    var errorCode: String?
    var usage: TokenUsage?
    var price: GatewayConfiguration.Price?
    /// What prompt compression did to the request (zero when off).
    var compression = CompressionReport(operations: 0, tokensSaved: 0)
    private var latencyMs = 0.0

    init(request: Request, surface: String, key: String?) {
        self.key = key
        caller = request.headers[.init("X-Caller")!].flatMap { RequestRecord.isName($0) ? $0 : nil }
        clientApp = ClientApp.detect(userAgent: request.headers[.userAgent])
        self.surface = surface
    }

    /// The first byte is about to go to the client.
    mutating func markFirstByte() {
        if firstByte == nil { firstByte = .now }
    }

    /// The last byte went to the client.
    mutating func finish(status: Int, errorCode: String?) {
        let now = ContinuousClock.now
        self.status = status
        self.errorCode = errorCode
        if firstByte == nil { firstByte = now }
        latencyMs = started.duration(to: now).inMilliseconds
    }

    var record: RequestRecord {
        RequestRecord(
            time: time, key: key, caller: caller, clientApp: clientApp, surface: surface, modelRequested: modelRequested,
            modelServed: modelServed, bridge: bridge, stream: stream, status: status, errorCode: errorCode,
            tokensIn: usage?.input, tokensOut: usage?.output, tokensEstimated: usage?.estimated ?? false, latencyMs: latencyMs,
            ttfbMs: firstByte.map { started.duration(to: $0).inMilliseconds },
            costAvoided: usage.flatMap { usage in price.map { $0.cost(input: usage.input, output: usage.output) } },
            compressionOperations: compression.operations, compressionTokensSaved: compression.tokensSaved)
    }
}
