import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1
import Store

/// `POST /v1/chat/completions`, passed through to OpenAI-style bridges (Ollama's OpenAI endpoint
/// included), streaming and not. The model name is resolved (aliases) and sent as its canonical
/// id; on streams the gateway asks for `stream_options.include_usage` and strips that extra chunk
/// when the client did not ask for it. Every request leaves one ledger row.
struct ChatCompletionsEndpoint: Sendable {
    let catalog: ModelCatalog
    let router: UpstreamRouter
    let maxBodyBytes: Int
    let recorder: RequestRecorder
    let authentication: ClientAuthentication

    func handle(_ request: Request, context: some RequestContext) async throws -> Response {
        var entry = LedgerEntry(request: request, surface: "chat.completions")
        do {
            entry.keyName = try authentication.caller(of: request)
            let parsed = try await ChatRequest(request, maxBodyBytes: maxBodyBytes)
            entry.modelRequested = parsed.model
            entry.stream = parsed.stream
            guard let model = catalog.model(named: parsed.model) else {
                throw GatewayError.modelNotFound(parsed.model, known: catalog.models.map(\.id))
            }
            entry.modelServed = model.id
            entry.price = model.price
            let answer: UpstreamRouter.Answer
            switch await router.send(model: model.id, routes: model.routes, path: "/v1/chat/completions", body: parsed.upstreamBody(model: model.id)) {
            case .success(let success): answer = success
            case .failure(let error): throw error
            }
            entry.bridge = answer.bridge.name
            if parsed.stream && answer.response.status == .ok {
                return stream(answer, clientWantsUsage: parsed.clientWantsUsage, inputCharacters: parsed.characters, entry: entry)
            }
            return try await complete(answer, inputCharacters: parsed.characters, entry: &entry)
        } catch let error as GatewayError {
            entry.finish(status: Int(error.status.code), errorCode: error.code)
            recorder.record(entry.record)
            return Response(status: error.status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: error.body)))
        }
    }

    /// A whole answer: read it, take its usage, pass it on as it came.
    private func complete(_ answer: UpstreamRouter.Answer, inputCharacters: Int, entry: inout LedgerEntry) async throws -> Response {
        let body: ByteBuffer
        do {
            body = try await answer.response.body.collect(upTo: 64 << 20)
        } catch {
            throw GatewayError(
                .badGateway, code: "upstream_error", type: "api_error",
                "bridge \(answer.bridge.name) broke off its answer (\(UpstreamRouter.describe(error)))")
        }
        let status = Int(answer.response.status.code)
        let object = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]
        if status >= 400 {
            // The bridge refused the request itself (400, 404, 422, 429 …): its words, in the
            // client's dialect, with the bridge named.
            let said = UpstreamRouter.message(in: Data(body.readableBytesView))
            throw GatewayError(
                .init(code: status), code: "upstream_error", type: status == 429 ? "rate_limit_error" : "invalid_request_error",
                "bridge \(answer.bridge.name) answered \(status)" + (said.map { ": \($0)" } ?? ""))
        }
        entry.usage = TokenUsage(openAI: object?["usage"])
            ?? TokenUsage.estimate(inputCharacters: inputCharacters, outputCharacters: Self.outputCharacters(object))
        entry.markFirstByte()
        entry.finish(status: status, errorCode: nil)
        recorder.record(entry.record)
        let headers: HTTPFields = [.contentType: answer.response.headers.first(name: "content-type") ?? "application/json"]
        return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: body))
    }

    /// A stream: every event goes on as soon as it is complete.
    private func stream(_ answer: UpstreamRouter.Answer, clientWantsUsage: Bool, inputCharacters: Int, entry: LedgerEntry) -> Response {
        let recorder = recorder
        let bridge = answer.bridge.name
        let upstream = answer.response.body
        let body = ResponseBody { writer in
            var entry = entry
            var scanner = StreamUsageScanner(clientWantsUsage: clientWantsUsage)
            var errorCode: String?
            do {
                do {
                    for try await buffer in upstream {
                        let bytes = scanner.take(buffer)
                        guard !bytes.isEmpty else { continue }
                        entry.markFirstByte()
                        try await writer.write(ByteBuffer(bytes: bytes))
                    }
                    let rest = scanner.finish()
                    if !rest.isEmpty { try await writer.write(ByteBuffer(bytes: rest)) }
                } catch let error where !(error is CancellationError) && !Self.isClientGone(error) {
                    // The bridge broke off mid-stream: say so in the stream, never end it as if complete.
                    errorCode = "upstream_disconnected"
                    let failure = GatewayError(
                        .badGateway, code: "upstream_disconnected", type: "api_error",
                        "bridge \(bridge) broke off the stream (\(UpstreamRouter.describe(error)))")
                    entry.markFirstByte()
                    try await writer.write(ByteBuffer(bytes: Array("data: ".utf8) + failure.body + Array("\n\n".utf8)))
                }
                try await writer.finish(nil)
            } catch {
                errorCode = errorCode ?? "client_disconnected"
            }
            entry.usage = scanner.usage ?? TokenUsage.estimate(inputCharacters: inputCharacters, outputCharacters: scanner.streamedCharacters)
            entry.finish(status: 200, errorCode: errorCode)
            recorder.record(entry.record)
        }
        return Response(
            status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
    }

    private static func isClientGone(_ error: any Error) -> Bool {
        error is ChannelError || (error as? IOError) != nil
    }

    /// Characters of generated text in a chat completion, for an estimate.
    private static func outputCharacters(_ object: [String: Any]?) -> Int {
        var characters = 0
        for choice in object?["choices"] as? [[String: Any]] ?? [] {
            let message = choice["message"] as? [String: Any]
            characters += (message?["content"] as? String)?.count ?? 0
            for call in message?["tool_calls"] as? [[String: Any]] ?? [] {
                let function = call["function"] as? [String: Any]
                characters += (function?["arguments"] as? String)?.count ?? 0
            }
        }
        return characters
    }
}
