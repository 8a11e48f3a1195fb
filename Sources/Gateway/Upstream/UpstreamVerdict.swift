import Foundation
import Policy

/// What a bridge's error answer — its status, headers and body, before any byte went to the
/// client — says about the route. Pure.
enum UpstreamVerdict: Equatable {
    /// The client's own mistake (400, 404, 422 …): passed on in the client's dialect.
    case refused
    /// Someone must sign in, or the bridge's key is wrong: 401, 403, or a 5xx whose words say so.
    case authRequired
    /// Rate limited or out of quota (429, 402, or a 403 or 5xx whose words name a rate limit or quota) until
    /// `until`; `modelOnly` where the bridge's words name the model (other models may still work).
    case limited(until: Date, modelOnly: Bool)
    /// 502, 503 or 504: the bridge is not well for this model now.
    case unwell
    /// Any other 5xx: tried elsewhere, but no breaker trips (one bad request is not a sick bridge).
    case failed

    /// With no reset announced, a limited route rests this long.
    static let defaultCoolDown: TimeInterval = 60

    /// The verdict on an answer with `status` (400 or above), `headers` and `body` to a request for `model`.
    static func classify(status: Int, headers: [(name: String, value: String)], body: String, model: String, now: Date) -> UpstreamVerdict {
        let words = String(body.prefix(64 * 1024))
        // Words count on a 403 or a 5xx; a 400 may well mention a limit of the request itself.
        if status == 429 || status == 402 || ((status == 403 || status >= 500) && BridgeWords.sayLimited(words)) {
            let until = RateLimitReset.until(headers: headers, body: body, now: now) ?? now.addingTimeInterval(defaultCoolDown)
            return .limited(until: until, modelOnly: !model.isEmpty && words.lowercased().contains(model.lowercased()))
        }
        if status == 401 || status == 403 { return .authRequired }
        if status >= 500 && BridgeWords.sayAuthFailed(words) { return .authRequired }
        switch status {
        case 502, 503, 504: return .unwell
        case 500...: return .failed
        default: return .refused
        }
    }
}
