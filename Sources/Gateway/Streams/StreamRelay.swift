import AsyncHTTPClient
import Hummingbird
import NIOCore

/// Relays an upstream stream to the client through a `StreamConversion`, unbuffered: each piece
/// goes on as soon as the conversion releases it. When the conversion has a keep-alive (an
/// Anthropic `ping`), it is sent after every `keepAliveInterval` of upstream silence. A bridge found
/// lost meanwhile ends the stream with an error event. The ledger row is written when the stream
/// ends, however it ends.
struct StreamRelay: Sendable {
    let upstream: HTTPClientResponse.Body
    /// The exchange with the bridge it comes from: a lost bridge fails it; it counts against the
    /// bridge's `max_connections` until the relay ends.
    let exchange: UpstreamExchange
    var conversion: any StreamConversion
    var entry: LedgerEntry
    let inputCharacters: Int
    let recorder: RequestRecorder
    let keepAliveInterval: Duration

    /// The streamed response.
    func response(contentType: String = "text/event-stream") -> Response {
        let relay = self
        let body = ResponseBody { writer in
            var relay = relay
            await relay.run(&writer)
        }
        return Response(status: .ok, headers: [.contentType: contentType, .cacheControl: "no-cache"], body: body)
    }

    private mutating func run(_ writer: inout some ResponseBodyWriter) async {
        var clientGone = false
        do {
            try await send(conversion.begin(), to: &writer)
            try await relay(&writer)
            try await writer.finish(nil)
        } catch {
            clientGone = true
        }
        entry.usage = conversion.usage
            ?? TokenUsage.estimate(inputCharacters: inputCharacters, outputCharacters: conversion.outputCharacters)
        entry.finish(status: 200, errorCode: conversion.errorCode ?? (clientGone ? "client_disconnected" : nil))
        recorder.record(entry.record)
    }

    /// Upstream pieces, the upstream's end and, with a keep-alive, silence ticks merged into one
    /// sequence, so a ping can go out while the upstream says nothing. The upstream is read as an
    /// exchange with the bridge: a bridge found lost ends it at once, with the reason.
    private mutating func relay(_ writer: inout some ResponseBodyWriter) async throws {
        let (pieces, continuation) = AsyncStream<RelayPiece>.makeStream()
        let (upstream, exchange) = (upstream, exchange)
        // Both on the connection's event loop, where the relay runs.
        let loop = EventLoopExecutor.current
        let reader = Task(executorPreference: loop) {
            do {
                try await exchange.run {
                    for try await buffer in upstream { continuation.yield(.bytes(buffer)) }
                }
                continuation.yield(.end(failure: nil))
            } catch let lost as InFlightExchanges.Lost {
                continuation.yield(.end(failure: lost.reason))
            } catch {
                continuation.yield(.end(failure: UpstreamRouter.describe(error)))
            }
            continuation.finish()
        }
        let interval = keepAliveInterval
        let ticker = conversion.keepAlive.map { _ in
            Task(executorPreference: loop) { while (try? await Task.sleep(for: interval / 4)) != nil { continuation.yield(.tick) } }
        }
        defer {
            reader.cancel()
            ticker?.cancel()
        }
        var lastSent = ContinuousClock.now
        for await piece in pieces {
            switch piece {
            case .bytes(let buffer):
                let bytes = conversion.take(buffer)
                if !bytes.isEmpty { lastSent = .now }
                try await send(bytes, to: &writer)
            case .end(let failure):
                try await send(conversion.end(failure: failure), to: &writer)
                return
            case .tick:
                if let ping = conversion.keepAlive, lastSent.duration(to: .now) >= interval {
                    lastSent = .now
                    try await writer.write(ByteBuffer(bytes: ping))
                }
            }
        }
    }

    private mutating func send(_ bytes: [UInt8], to writer: inout some ResponseBodyWriter) async throws {
        guard !bytes.isEmpty else { return }
        entry.markFirstByte()
        try await writer.write(ByteBuffer(bytes: bytes))
    }
}

/// What the keep-alive relay waits for: upstream bytes, the upstream's end, or a silence tick.
private enum RelayPiece: Sendable {
    case bytes(ByteBuffer)
    case end(failure: String?)
    case tick
}
