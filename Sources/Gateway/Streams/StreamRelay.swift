import Hummingbird
import NIOCore

/// Relays an upstream stream to the client through a `StreamConversion`, unbuffered: each piece
/// goes on as soon as the conversion releases it. When the conversion has a keep-alive (an
/// Anthropic `ping`), it is sent after every `keepAliveInterval` of upstream silence. A bridge found
/// lost meanwhile ends the stream with an error event. The ledger row is written when the stream
/// ends, however it ends.
struct StreamRelay: Sendable {
    let upstream: BridgeResponseBody
    /// The exchange with the bridge it comes from: a lost bridge ends the body with the reason; it
    /// counts against the bridge's `max_connections` until the relay ends.
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
            try await send(ByteBuffer(bytes: conversion.begin()), to: &writer)
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

    /// Upstream pieces to the client as they come; with a keep-alive, a ping whenever nothing went
    /// to the client for `keepAliveInterval`. A bridge found lost ends the body at once, with the
    /// reason.
    private mutating func relay(_ writer: inout some ResponseBodyWriter) async throws {
        var pieces = upstream.makeAsyncIterator()
        var lastSent = NIODeadline.now()
        let interval = GuardedServer.timeAmount(keepAliveInterval)
        while true {
            let piece: BridgeResponseBody.Piece
            do {
                piece = conversion.keepAlive == nil ? try await pieces.next().map { .bytes($0) } ?? .end : try await pieces.next(silenceAfter: lastSent + interval)
            } catch let lost as InFlightExchanges.Lost {
                return try await end(failure: lost.reason, to: &writer)
            } catch {
                return try await end(failure: UpstreamRouter.describe(error), to: &writer)
            }
            switch piece {
            case .bytes(let buffer):
                if try await send(conversion.take(buffer), to: &writer) { lastSent = .now() }
            case .end:
                return try await end(failure: nil, to: &writer)
            case .silence:
                if let ping = conversion.keepAlive {
                    lastSent = .now()
                    try await writer.write(ByteBuffer(bytes: ping))
                }
            }
        }
    }

    /// The conversion's last bytes, once the upstream ended (`failure` nil) or broke off.
    private mutating func end(failure: String?, to writer: inout some ResponseBodyWriter) async throws {
        try await send(ByteBuffer(bytes: conversion.end(failure: failure)), to: &writer)
    }

    /// Sends what the conversion released, if anything; returns whether it did.
    @discardableResult
    private mutating func send(_ output: ByteBuffer, to writer: inout some ResponseBodyWriter) async throws -> Bool {
        guard output.readableBytes > 0 else { return false }
        entry.markFirstByte()
        try await writer.write(output)
        return true
    }
}
