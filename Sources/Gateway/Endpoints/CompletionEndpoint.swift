import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1
import Policy
import Translation

/// `POST /v1/chat/completions`, `/v1/messages` and `/v1/responses`: the request is resolved to a
/// model, sent to the first usable bridge of its routes (in that bridge's dialect, translated
/// where the two differ) and the answer comes back in the client's dialect, streamed event by
/// event or whole. Every request that passed authentication (``ClientKeyMiddleware``) leaves one
/// ledger row, carrying the key's name.
struct CompletionEndpoint: Sendable {
    let surface: Surface
    /// The models, bridges and keys; each request reads them once, when it arrives.
    let settings: CurrentSettings
    let router: UpstreamRouter
    let maxBodyBytes: Int
    let pingInterval: Duration
    let recorder: RequestRecorder
    let history: ResponseHistory
    let unknownAgents: UnknownAgents

    func handle(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        var entry = LedgerEntry(request: request, surface: surface.rawValue, key: context.key)
        if entry.clientApp == "unknown" { unknownAgents.saw(request.headers[.userAgent]) }
        let settings = settings.current
        let catalog = settings.catalog
        do throws(GatewayError) {
            let client = try await ClientRequest(request, surface: surface, maxBodyBytes: maxBodyBytes)
            // The client's words, bound for the ledger: one line, a model name's length.
            entry.modelRequested = UntrustedText.clean(client.model, limit: 128)
            entry.stream = client.stream
            guard let model = catalog.model(named: client.model) else {
                throw GatewayError.modelNotFound(client.model, known: catalog.models.map(\.id))
            }
            entry.modelServed = model.id
            entry.price = model.price
            let routed = RoutedRequest(
                surface: surface, client: client, model: model, headers: request.headers, history: history.scope(context.key))
            let (answer, plan) = try await router.send(model: model.id, routes: model.routes, among: settings.bridges) { bridge throws(GatewayError) in
                try routed.prepare(for: bridge)
            }
            entry.bridge = answer.bridge.name
            entry.compression = plan.compression
            let status = Int(answer.response.status.code)
            if status >= 400 {
                throw Self.refusal(answer, status: status)
            }
            if client.stream {
                let contentType = answer.response.headers.first(name: "content-type") ?? ""
                if !contentType.lowercased().hasPrefix("text/event-stream") {
                    return try await streamOfWhole(answer, plan: plan, routed: routed, entry: &entry)
                }
                return stream(answer, plan: plan, routed: routed, entry: entry)
            }
            return try await whole(answer, plan: plan, routed: routed, entry: &entry)
        } catch {
            entry.finish(status: Int(error.status.code), errorCode: error.code)
            recorder.record(entry.record)
            return error.response(in: surface.dialect)
        }
    }

    /// A whole answer: read it, take its usage, and pass it on as it came or translated.
    private func whole(_ answer: UpstreamRouter.Answer, plan: RoutedRequest.Plan, routed: RoutedRequest, entry: inout LedgerEntry) async throws(GatewayError) -> Response {
        let bytes = try await Self.body(of: answer)
        var output = bytes
        var completion: Completion?
        if plan.translated {
            guard let upstream = try? JSONParser.parse(bytes), let read = plan.upstream.completion(in: upstream) else {
                throw GatewayError(.badGateway, code: "upstream_error", type: "api_error", "bridge \(answer.bridge.name) answered with a body that is not a JSON object")
            }
            output = routed.render(read, plan: plan).bytes
            completion = read
        }
        // The bridge's usage; else an estimate from the text (only then is the whole answer read).
        entry.usage = plan.upstream.usage(in: bytes)
            ?? TokenUsage.estimate(
                inputCharacters: routed.client.original.count,
                outputCharacters: (completion ?? (try? JSONParser.parse(bytes)).flatMap { plan.upstream.completion(in: $0) })
                    .map(Self.characters) ?? 0)
        entry.markFirstByte()
        entry.finish(status: 200, errorCode: nil)
        recorder.record(entry.record)
        let contentType = plan.translated ? "application/json" : answer.response.headers.first(name: "content-type") ?? "application/json"
        return Response(status: .ok, headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(bytes: output)))
    }

    /// A stream request the bridge answered with a whole JSON answer (some bridges ignore
    /// `stream`): the answer becomes a proper stream in the client's dialect, said at once. An
    /// answer that is not a completion, or a Responses answer passed through, fails with 502
    /// saying what the bridge did; the client never gets JSON labelled as a stream.
    private func streamOfWhole(
        _ answer: UpstreamRouter.Answer, plan: RoutedRequest.Plan, routed: RoutedRequest, entry: inout LedgerEntry
    ) async throws(GatewayError) -> Response {
        let bytes = try await Self.body(of: answer)
        let contentType = answer.response.headers.first(name: "content-type").map { UntrustedText.clean($0, limit: 80) } ?? "no content type"
        let did = "bridge \(answer.bridge.name) answered a stream request with a whole answer (\(contentType)), not an event stream"
        guard let json = try? JSONParser.parse(bytes), Self.isCompletion(json, in: plan.upstream), let completion = plan.upstream.completion(in: json) else {
            throw GatewayError(.badGateway, code: "upstream_not_a_stream", type: "api_error", did + ", and not one the gateway can make a stream of")
        }
        var writer = routed.writer(plan: plan)
        var output: [UInt8] = []
        for event in completion.streamEvents { for out in writer.write(event) { output += out.bytes } }
        for out in writer.end(failure: nil) { output += out.bytes }
        entry.usage = completion.usage.map { TokenUsage(input: $0.input, output: $0.output, estimated: false) }
            ?? TokenUsage.estimate(inputCharacters: routed.client.original.count, outputCharacters: Self.characters(completion))
        entry.markFirstByte()
        entry.finish(status: 200, errorCode: nil)
        recorder.record(entry.record)
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: .init(byteBuffer: ByteBuffer(bytes: output)))
    }

    /// Whether a whole answer in `dialect` is a completion the gateway can stream (chat: `choices`;
    /// Anthropic: `content`; a Responses answer passed through never is).
    private static func isCompletion(_ json: JSON, in dialect: UpstreamDialect) -> Bool {
        switch dialect {
        case .chat: json["choices"]?.array?.isEmpty == false
        case .anthropic: json["content"]?.array != nil
        case .responses: false
        }
    }

    /// The whole body of an answer, or 502 saying the bridge broke it off.
    private static func body(of answer: UpstreamRouter.Answer) async throws(GatewayError) -> [UInt8] {
        do {
            return Array(try await answer.response.body.collect(upTo: 64 << 20).readableBytesView)
        } catch let lost as InFlightExchanges.Lost {
            throw GatewayError(
                .serviceUnavailable, code: lost.code, type: "api_error", "bridge \(answer.bridge.name) was lost while answering: \(lost.reason)")
        } catch {
            throw GatewayError(
                .badGateway, code: "upstream_error", type: "api_error",
                "bridge \(answer.bridge.name) broke off its answer (\(UpstreamRouter.describe(error)))")
        }
    }

    /// A stream: passed through or translated, event by event.
    private func stream(_ answer: UpstreamRouter.Answer, plan: RoutedRequest.Plan, routed: RoutedRequest, entry: LedgerEntry) -> Response {
        let bridge = answer.bridge.name
        let conversion: any StreamConversion =
            if plan.translated {
                StreamTranslation(reader: plan.upstream.reader, writer: routed.writer(plan: plan), bridge: bridge)
            } else if plan.upstream == .chat {
                ChatPassThrough(clientWantsUsage: routed.client.clientWantsUsage, bridge: bridge)
            } else {
                EventPassThrough(reader: plan.upstream.reader, dialect: plan.upstream, bridge: bridge)
            }
        return StreamRelay(
            upstream: answer.response.body, exchange: answer.exchange, conversion: conversion, entry: entry, inputCharacters: routed.client.original.count,
            recorder: recorder, keepAliveInterval: pingInterval
        ).response()
    }

    /// The bridge refused the request itself (400, 404, 422 …): its words, in the client's
    /// dialect, with the bridge named.
    private static func refusal(_ answer: UpstreamRouter.Answer, status: Int) -> GatewayError {
        GatewayError(
            .init(code: status), code: "upstream_error", type: "invalid_request_error",
            "bridge \(answer.bridge.name) answered \(status)" + (answer.said.map { ": \($0)" } ?? ""))
    }

    /// Characters of generated output, for an estimate.
    private static func characters(_ completion: Completion) -> Int {
        completion.text.count + completion.toolCalls.reduce(0) { $0 + $1.arguments.count }
    }
}
