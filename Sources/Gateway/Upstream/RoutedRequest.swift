import Foundation
import HTTPTypes
import Translation

/// One client request on its way to a bridge: what to send each kind of bridge (passed through
/// in the bridge's own dialect, or translated), and how to give the answer back in the client's.
struct RoutedRequest: Sendable {
    /// How one bridge is asked and how its answer is read.
    struct Plan: Sendable {
        /// The dialect the bridge answers in.
        var upstream: UpstreamDialect
        /// Whether the answer must be translated to the client's dialect.
        var translated: Bool
        /// What prompt compression did to the request sent.
        var compression = CompressionReport(operations: 0, tokensSaved: 0)
        /// For a translated Responses request: the translation, to render and remember the answer.
        var responses: ResponsesTranslation?
    }

    let surface: Surface
    let client: ClientRequest
    let model: GatewayConfiguration.Model
    let headers: HTTPFields
    let history: ResponseHistory.Scope

    init(surface: Surface, client: ClientRequest, model: GatewayConfiguration.Model, headers: HTTPFields, history: ResponseHistory.Scope) {
        self.surface = surface
        self.client = client
        self.model = model
        self.headers = headers
        self.history = history
    }

    /// A new id for the answer in the client's dialect (`chatcmpl-…`, `msg_…`; for Responses the
    /// bare token the renderer prefixes); made only for answers the gateway writes itself, never
    /// for those passed through.
    private var answerID: String {
        let prefix =
            switch surface {
            case .chatCompletions: "chatcmpl-"
            case .messages, .countTokens: "msg_"
            // ResponsesRenderer prefixes each id it makes (`resp_`, `msg_`, `fc_`) itself.
            case .responses: ""
            }
        var generator = SystemRandomNumberGenerator()
        let random = (generator.next() as UInt64, generator.next() as UInt64)
        return prefix + String(random.0, radix: 16) + String(random.1 >> 32, radix: 16)
    }

    /// Now, in seconds since 1970, for `created`.
    private var created: Int { Int(Date.now.timeIntervalSince1970) }

    /// The call for `bridge` and how to read its answer; nil when the bridge cannot serve this
    /// surface at all.
    func prepare(for bridge: GatewayConfiguration.Bridge) throws(GatewayError) -> (UpstreamRouter.UpstreamCall, Plan)? {
        do {
            switch (surface, bridge.api) {
            case (.chatCompletions, .anthropic):
                let request = try ChatRequestTranslator.anthropicRequest(client.json, model: model.id)
                return anthropicCall(request, changed: true, plan: Plan(upstream: .anthropic, translated: true))
            case (.chatCompletions, _):
                var request = client.json
                var changed = renameModel(&request)
                if client.stream && !client.clientWantsUsage {
                    // Usage for the ledger; the extra chunk is dropped on the way back.
                    var options = request["stream_options"]?.object.map(JSON.object) ?? [:]
                    options["include_usage"] = true
                    request["stream_options"] = options
                    changed = true
                }
                return chatCall(request, changed: changed, plan: Plan(upstream: .chat, translated: false))
            case (.messages, .anthropic):
                var request = client.json
                let changed = renameModel(&request)
                return anthropicCall(request, changed: changed, plan: Plan(upstream: .anthropic, translated: false))
            case (.messages, _):
                let request = try MessagesRequestTranslator(model: model.id).translate(client.json)
                return chatCall(request, changed: true, plan: Plan(upstream: .chat, translated: true))
            case (.responses, .openai) where bridge.servesResponses:
                var request = client.json
                let changed = renameModel(&request)
                return (UpstreamRouter.UpstreamCall(path: "/v1/responses", body: changed ? request.bytes : client.original), Plan(upstream: .responses, translated: false))
            case (.responses, let api):
                let translation = try ResponsesRequestTranslator(history: history).translate(client.json, model: model.id)
                if api == .anthropic {
                    let request = try ChatRequestTranslator.anthropicRequest(translation.chatRequest, model: model.id)
                    return anthropicCall(request, changed: true, plan: Plan(upstream: .anthropic, translated: true, responses: translation))
                }
                return chatCall(translation.chatRequest, changed: true, plan: Plan(upstream: .chat, translated: true, responses: translation))
            case (.countTokens, _):
                return nil
            }
        } catch {
            throw GatewayError(.badRequest, code: error.code, type: "invalid_request_error", error.message)
        }
    }

    /// The answer rendered in the client's dialect.
    func render(_ completion: Completion, plan: Plan) -> JSON {
        let estimate = Usage(
            input: estimatedInputTokens,
            output: TokenEstimate.tokens(characters: completion.text.count + completion.toolCalls.reduce(0) { $0 + $1.arguments.count }))
        switch surface {
        case .chatCompletions:
            return ChatCompletionRenderer(id: answerID, created: created, model: model.id).render(completion, estimate: estimate)
        case .messages, .countTokens:
            return AnthropicMessageRenderer(id: answerID, model: model.id, stopSequences: MessagesRequestTranslator.stopSequences(in: client.json))
                .render(completion, estimate: estimate)
        case .responses:
            guard let translation = plan.responses else { return [:] }
            let renderer = ResponsesRenderer(translation: translation, id: answerID, createdAt: created, model: model.id)
            renderer.remember(completion, in: history)
            return renderer.response(for: completion)
        }
    }

    /// A writer of neutral events in the client's dialect.
    func writer(plan: Plan) -> any StreamWriter {
        switch surface {
        case .chatCompletions:
            return ChatStreamWriter(id: answerID, created: created, model: model.id, includeUsage: client.clientWantsUsage)
        case .messages, .countTokens:
            return AnthropicStreamWriter(
                id: answerID, model: model.id, inputTokens: estimatedInputTokens,
                stopSequences: MessagesRequestTranslator.stopSequences(in: client.json))
        case .responses:
            let renderer = ResponsesRenderer(translation: plan.responses!, id: answerID, createdAt: created, model: model.id)
            return ResponsesStreamWriter(renderer: renderer, history: history)
        }
    }

    /// The local pre-count of the request's input tokens (Anthropic's counter skips image data).
    private var estimatedInputTokens: Int {
        surface.dialect == .anthropic ? AnthropicTokenCounter.inputTokens(of: client.json) : TokenEstimate.tokens(request: client.json)
    }

    /// Sends the canonical model id; returns whether that changed the request.
    private func renameModel(_ request: inout JSON) -> Bool {
        guard client.model != model.id else { return false }
        request["model"] = .string(model.id)
        return true
    }

    private func chatCall(_ request: JSON, changed: Bool, plan: Plan) -> (UpstreamRouter.UpstreamCall, Plan) {
        var plan = plan
        let body = body(request, changed: changed, plan: &plan)
        return (UpstreamRouter.UpstreamCall(path: "/v1/chat/completions", body: body), plan)
    }

    private func anthropicCall(_ request: JSON, changed: Bool, plan: Plan) -> (UpstreamRouter.UpstreamCall, Plan) {
        var plan = plan
        let body = body(request, changed: changed, plan: &plan)
        return (UpstreamRouter.UpstreamCall(path: "/v1/messages", body: body, headers: anthropicHeaders), plan)
    }

    /// The body of a chat or Anthropic request: compressed when the model asks for it, and the
    /// client's own bytes when nothing changed (most requests: no re-encoding).
    private func body(_ request: JSON, changed: Bool, plan: inout Plan) -> [UInt8] {
        var request = request
        var changed = changed
        if model.compress {
            let (smaller, report) = PromptCompressor().compress(request)
            if report.operations > 0 {
                request = smaller
                changed = true
                plan.compression = report
            }
        }
        return changed ? request.bytes : client.original
    }

    /// `anthropic-version` (the client's, else 2023-06-01) and the client's `anthropic-beta`.
    private var anthropicHeaders: [(String, String)] {
        var headers = [("anthropic-version", self.headers[.init("anthropic-version")!] ?? "2023-06-01")]
        if let beta = self.headers[.init("anthropic-beta")!] { headers.append(("anthropic-beta", beta)) }
        return headers
    }
}
