import Foundation
import HTTPTypes
import NIOCore
import NIOHTTP1
import Policy
import Translation

/// Sends a request to the first usable bridge of a model's routes, moving on to the next when a
/// bridge is not usable (tunnel, probe, a limit, a circuit breaker) or fails before answering
/// (unreachable, 5xx, a sign-in or key problem, a rate or quota limit). Nothing has gone to the
/// client yet at that point, so moving on is safe. What each failure says about the route is
/// ``UpstreamVerdict``'s call; ``RouteHealth`` remembers it. A bridge whose budget is nearly spent
/// (``QuotaBook``) is tried last.
struct UpstreamRouter: Sendable {
    let availability: any AvailabilitySource
    let health: RouteHealth
    let quotas: QuotaBook
    let client: BridgeClient

    /// What a call is for: a completion, whose failures and limits count against the route, or an
    /// auxiliary call (`count_tokens`), where only an unreachable bridge counts.
    enum Purpose {
        case completion, auxiliary
    }

    /// One request for one bridge.
    struct UpstreamCall {
        var path: String
        var body: [UInt8]
        /// Headers beyond the JSON content type and the bridge's own (e.g. `anthropic-version`).
        var headers: [(String, String)] = []
    }

    /// An upstream that answered, not yet read; or, for an answer of 400 or more that is the
    /// client's own mistake (400, 404, 422 …), read already, with the bridge's words in `said`.
    struct Answer {
        let bridge: GatewayConfiguration.Bridge
        let response: BridgeResponse
        /// The exchange it is part of: it counts against the bridge's `max_connections` until the
        /// answer has been read and dropped.
        let exchange: UpstreamExchange
        var said: String?
    }

    /// Why one bridge could not serve; `until` when it is limited.
    struct Refusal {
        let bridge: String
        let code: String
        let message: String
        var until: Date?
    }

    /// Sends the call `prepare` makes for each bridge of `routes` (looked up in `bridges`), in
    /// order, to the first that answers; or the error saying why none could. `prepare` returns nil
    /// for a bridge that cannot serve this kind of request, and throws for a request that cannot
    /// be sent at all (400).
    func send<Plan>(
        model: String, routes: [String], among bridges: [String: GatewayConfiguration.Bridge], purpose: Purpose = .completion,
        prepare: (GatewayConfiguration.Bridge) throws(GatewayError) -> (UpstreamCall, Plan)?
    ) async throws(GatewayError) -> (Answer, Plan) {
        var refusals: [Refusal] = []
        // A bridge whose budget is nearly spent serves only when no other route can.
        var preferred: [String] = []
        var lastResort: [String] = []
        for name in routes {
            if let bridge = bridges[name], await quotas.isNearlySpent(bridge) { lastResort.append(name) } else { preferred.append(name) }
        }
        for name in preferred + lastResort {
            guard let bridge = bridges[name] else { continue }
            if case .unusable(let code, let hint, let until) = await availability.availability(of: name) {
                refusals.append(Refusal(bridge: name, code: code, message: hint, until: until))
                continue
            }
            if let refusal = health.refusal(bridge: name, model: model) {
                refusals.append(refusal)
                continue
            }
            guard let (call, plan) = try prepare(bridge) else {
                refusals.append(Refusal(bridge: name, code: "bridge_unsupported", message: "its API (\(bridge.api.rawValue)) cannot serve this request"))
                continue
            }
            var headers: HTTPHeaders = ["Content-Type": "application/json", "Accept": "application/json, text/event-stream"]
            for (header, value) in bridge.headers.sorted(by: { $0.key < $1.key }) { headers.add(name: header, value: value) }
            for (header, value) in call.headers { headers.replaceOrAdd(name: header, value: value) }
            let request = BridgeClient.Request(baseURL: bridge.baseURL, path: call.path, headers: headers, body: ByteBuffer(bytes: call.body))
            let exchange: UpstreamExchange
            do {
                exchange = try health.exchanges.open(name, limit: bridge.maxConnections)
            } catch {
                refusals.append(Refusal(bridge: name, code: "bridge_saturated", message: "it has \(error.limit) requests in flight, its max_connections"))
                continue
            }
            let response: BridgeResponse
            do {
                let sent = try client.start(request)
                exchange.follow(sent)
                response = try await sent.response()
            } catch let lost as InFlightExchanges.Lost {
                refusals.append(Refusal(bridge: name, code: lost.code, message: lost.reason))
                continue
            } catch is CancellationError {
                // The client went away: nothing is wrong with the bridge, and no route is left to try.
                throw GatewayError(
                    .init(code: 499, reasonPhrase: "Client Closed Request"), code: "client_disconnected", type: "api_error",
                    "the client went away before bridge \(name) answered")
            } catch {
                let reason = "cannot reach it (\(Self.describe(error)))"
                health.unreachable(name, reason: reason)
                refusals.append(Refusal(bridge: name, code: "bridge_down", message: reason))
                continue
            }
            let status = Int(response.status.code)
            guard status >= 400 else {
                health.succeeded(name, model: purpose == .completion ? model : nil)
                return (Answer(bridge: bridge, response: response, exchange: exchange), plan)
            }
            let body = (try? await response.body.collect(upTo: 64 * 1024)).map { Array($0.readableBytesView) } ?? []
            let said = Self.message(in: body)
            let answered = "answered \(status)" + (said.map { ": \($0)" } ?? "")
            let now = health.now()
            switch UpstreamVerdict.classify(status: status, headers: response.headers.map { ($0.name, $0.value) }, body: String(decoding: body, as: UTF8.self), model: model, now: now) {
            case .refused:
                health.succeeded(name, model: nil)
                return (Answer(bridge: bridge, response: response, exchange: exchange, said: said), plan)
            case .authRequired:
                refusals.append(Refusal(
                    bridge: name, code: "bridge_auth_required",
                    message: said ?? "answered \(status): someone must sign in on the bridge host, or its api_key_file holds the wrong key"))
            case .limited(let until, let modelOnly):
                if purpose == .completion {
                    if modelOnly {
                        health.limited(name, model: model, until: until, reason: answered)
                    } else {
                        availability.limited(name, until: until, reason: answered)
                    }
                }
                refusals.append(Refusal(bridge: name, code: "bridge_limited", message: "\(answered) (resets \(RouteHealth.time(until)))", until: until))
            case .unwell:
                if purpose == .completion { health.unwell(name, model: model, reason: answered) }
                refusals.append(Refusal(bridge: name, code: "bridge_down", message: answered))
            case .failed:
                refusals.append(Refusal(bridge: name, code: "bridge_error", message: answered))
            }
        }
        throw Self.unavailable(model: model, refusals, now: health.now())
    }

    /// The error when no route could serve, in the client's dialect; the message lists every bridge
    /// tried and why it could not serve. Where a route is limited: 429 with `Retry-After` for the
    /// earliest reset (waiting is what helps); otherwise 503 with the primary route's reason as code.
    static func unavailable(model: String, _ refusals: [Refusal], now: Date) -> GatewayError {
        let reasons = refusals.map { "\($0.bridge): \($0.code) — \($0.message)" }.joined(separator: "; ")
        if let reset = refusals.compactMap(\.until).min() {
            return GatewayError(
                .tooManyRequests, code: "bridge_limited", type: "rate_limit_error",
                "no bridge can serve '\(model)' now; the earliest limit resets at \(RouteHealth.time(reset)): " + reasons,
                retryAfter: max(1, Int(reset.timeIntervalSince(now).rounded(.up))))
        }
        // Waiting does not sign anyone in: SDKs that retry 5xx by themselves are told not to. A
        // bridge at its max_connections takes the next request as soon as one ends.
        let waitingHelps = !refusals.allSatisfy { ["bridge_auth_required", "bridge_unsupported"].contains($0.code) }
        let saturated = refusals.contains { $0.code == "bridge_saturated" }
        return GatewayError(
            .serviceUnavailable, code: refusals.first?.code ?? "bridge_down", type: "api_error",
            "no bridge can serve '\(model)' now: " + (reasons.isEmpty ? "it has no routes" : reasons),
            retryAfter: saturated ? 1 : nil, shouldRetry: refusals.isEmpty || !waitingHelps ? false : nil)
    }

    /// A short description of a client error: never the URL.
    static func describe(_ error: any Error) -> String {
        if let error = error as? BridgeClientError { return error.description }
        return String("\(error)".prefix(160))
    }

    /// The bridge's own message in an error body, as ``UntrustedText`` (one line, 300 at most).
    static func message(in bytes: [UInt8]) -> String? {
        let said: String?
        if let json = try? JSONParser.parse(bytes), json.object != nil {
            let candidates = [json["error"]?["message"], json["message"], json["hint"], json["detail"], json["error"]]
            said = candidates.lazy.compactMap { $0?.string }.first { !$0.isEmpty }
        } else {
            let text = String(decoding: bytes, as: UTF8.self)
            said = text.contains("<") ? nil : text
        }
        return said.map { UntrustedText.clean($0, limit: 300) }.flatMap { $0.isEmpty ? nil : $0 }
    }
}
