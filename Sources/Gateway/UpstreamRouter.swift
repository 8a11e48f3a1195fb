import AsyncHTTPClient
import Foundation
import HTTPTypes
import NIOCore
import NIOHTTP1

/// Sends a request to the first usable bridge of a model's routes, moving on to the next when a
/// bridge is not usable (tunnel, probe, circuit breaker) or fails before answering (refused,
/// timeout, 5xx, 401/403). Nothing has gone to the client yet at that point, so moving on is safe.
struct UpstreamRouter: Sendable {
    let bridges: [String: GatewayConfiguration.Bridge]
    let availability: any AvailabilitySource
    let breakers: BreakerBoard
    let client: HTTPClient
    /// The longest a whole exchange may take (a long stream included); silence is limited by the
    /// client's read timeout, between bytes.
    static let maximumExchange: TimeAmount = .hours(1)

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

    /// POSTs `body` to `path` on the first bridge of `routes` that answers; or the error saying why
    /// none could.
    func send(model: String, routes: [String], path: String, body: [UInt8]) async -> Result<Answer, GatewayError> {
        var refusals: [Refusal] = []
        for name in routes {
            guard let bridge = bridges[name] else { continue }
            if case .unusable(let code, let hint) = await availability.availability(of: name) {
                refusals.append(Refusal(bridge: name, code: code, message: hint))
                continue
            }
            guard bridge.api != .anthropic else {
                refusals.append(Refusal(bridge: name, code: "bridge_unsupported", message: "speaks the Anthropic API, which this surface cannot translate to yet"))
                continue
            }
            guard breakers.allows(name) else {
                refusals.append(Refusal(bridge: name, code: "bridge_down", message: "failed moments ago; the gateway is giving it a rest"))
                continue
            }
            var request = HTTPClientRequest(url: bridge.baseURL + path)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "Accept", value: "application/json, text/event-stream")
            request.body = .bytes(ByteBuffer(bytes: body))
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
            return .success(Answer(bridge: bridge, response: response))
        }
        return .failure(Self.unavailable(model: model, refusals))
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

    /// The bridge's own message in an error body.
    static func message(in bytes: Data) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: bytes) as? [String: Any] else {
            let text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            return text.isEmpty || text.contains("<") ? nil : String(text.prefix(300))
        }
        let nested = object["error"] as? [String: Any]
        let candidates: [Any?] = [nested?["message"], object["message"], object["hint"], object["detail"], object["error"]]
        return candidates.lazy.compactMap { $0 as? String }.first { !$0.isEmpty }
    }
}
