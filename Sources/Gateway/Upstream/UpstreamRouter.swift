import AsyncHTTPClient
import Foundation
import Policy
import HTTPTypes
import NIOCore
import NIOHTTP1

/// Sends a request to the first usable bridge of a model's routes, moving on to the next when a
/// bridge is not usable (tunnel, probe, circuit breaker) or fails before answering (refused,
/// timeout, 5xx, 401/403). Nothing has gone to the client yet at that point, so moving on is safe.
struct UpstreamRouter: Sendable {
    let availability: any AvailabilitySource
    let breakers: BreakerBoard
    let client: HTTPClient
    /// The longest a whole exchange may take (a long stream included); silence is limited by the
    /// client's read timeout, between bytes.
    static let maximumExchange: TimeAmount = .hours(1)

    /// One request for one bridge.
    struct UpstreamCall {
        var path: String
        var body: [UInt8]
        /// Headers beyond the JSON content type (e.g. `anthropic-version`).
        var headers: [(String, String)] = []
    }

    /// An upstream that answered, not yet read.
    struct Answer {
        let bridge: GatewayConfiguration.Bridge
        let response: HTTPClientResponse
    }

    /// Why one bridge could not serve.
    struct Refusal {
        let bridge: String
        let code: String
        let message: String
    }

    /// Sends the call `prepare` makes for each bridge of `routes` (looked up in `bridges`), in
    /// order, to the first that answers; or the error saying why none could. `prepare` returns nil
    /// for a bridge that cannot serve this kind of request, and throws for a request that cannot
    /// be sent at all (400).
    func send<Plan>(
        model: String, routes: [String], among bridges: [String: GatewayConfiguration.Bridge], prepare: (GatewayConfiguration.Bridge) throws(GatewayError) -> (UpstreamCall, Plan)?
    ) async throws(GatewayError) -> (Answer, Plan) {
        var refusals: [Refusal] = []
        for name in routes {
            guard let bridge = bridges[name] else { continue }
            if case .unusable(let code, let hint) = await availability.availability(of: name) {
                refusals.append(Refusal(bridge: name, code: code, message: hint))
                continue
            }
            guard breakers.allows(name) else {
                refusals.append(Refusal(bridge: name, code: "bridge_down", message: "failed moments ago; the gateway is giving it a rest"))
                continue
            }
            guard let (call, plan) = try prepare(bridge) else {
                refusals.append(Refusal(bridge: name, code: "bridge_unsupported", message: "its API (\(bridge.api.rawValue)) cannot serve this request"))
                continue
            }
            var request = HTTPClientRequest(url: bridge.baseURL + call.path)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "Accept", value: "application/json, text/event-stream")
            for (header, value) in call.headers { request.headers.add(name: header, value: value) }
            request.body = .bytes(ByteBuffer(bytes: call.body))
            let response: HTTPClientResponse
            do {
                response = try await client.execute(request, timeout: Self.maximumExchange)
            } catch {
                breakers.failed(name)
                refusals.append(Refusal(bridge: name, code: "bridge_down", message: "cannot reach it (\(Self.describe(error)))"))
                continue
            }
            let status = Int(response.status.code)
            if status >= 500 || status == 401 || status == 403 {
                let said = await Self.message(in: response)
                if status >= 500 {
                    breakers.failed(name)
                    refusals.append(Refusal(bridge: name, code: "bridge_down", message: "answered \(status)" + (said.map { ": \($0)" } ?? "")))
                } else {
                    refusals.append(Refusal(bridge: name, code: "bridge_auth_required", message: said ?? "answered \(status): someone must sign in on the bridge host"))
                }
                continue
            }
            breakers.succeeded(name)
            return (Answer(bridge: bridge, response: response), plan)
        }
        throw Self.unavailable(model: model, refusals)
    }

    /// 503 in the client's dialect: the primary route's reason decides the code; the message lists
    /// every bridge tried and why it could not serve.
    static func unavailable(model: String, _ refusals: [Refusal]) -> GatewayError {
        let code = refusals.first?.code ?? "bridge_down"
        let reasons = refusals.map { "\($0.bridge): \($0.code) — \($0.message)" }.joined(separator: "; ")
        return GatewayError(
            .serviceUnavailable, code: code, type: "api_error",
            "no bridge can serve '\(model)' now: " + (reasons.isEmpty ? "it has no routes" : reasons))
    }

    /// A short description of a client error: never the URL.
    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout: return "connect timed out"
            case .readTimeout, .deadlineExceeded: return "no answer in time"
            case .remoteConnectionClosed: return "closed the connection"
            default: break
            }
        }
        let text = "\(error)"
        if text.contains("refused") { return "connection refused" }
        return String(text.prefix(160))
    }

    /// The bridge's own message from an error answer (`error.message`, `message`, `hint`, `detail`).
    static func message(in response: HTTPClientResponse) async -> String? {
        guard let body = try? await response.body.collect(upTo: 64 * 1024) else { return nil }
        return message(in: Data(body.readableBytesView))
    }

    /// The bridge's own message in an error body, as ``UntrustedText`` (one line, 300 at most).
    static func message(in bytes: Data) -> String? {
        let said: String?
        if let object = try? JSONSerialization.jsonObject(with: bytes) as? [String: Any] {
            let nested = object["error"] as? [String: Any]
            let candidates: [Any?] = [nested?["message"], object["message"], object["hint"], object["detail"], object["error"]]
            said = candidates.lazy.compactMap { $0 as? String }.first { !$0.isEmpty }
        } else {
            let text = String(decoding: bytes, as: UTF8.self)
            said = text.contains("<") ? nil : text
        }
        return said.map { UntrustedText.clean($0, limit: 300) }.flatMap { $0.isEmpty ? nil : $0 }
    }
}
