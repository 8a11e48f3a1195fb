public import CurlHTTP
import Policy
import Foundation

/// Turns an ``HTTPOutcome`` into a ``ProbeVerdict``. Pure.
public enum ProbeClassifier {
    /// Classifies the outcome of `GET path`.
    ///
    /// - `live`: a 2xx or 3xx answer whose body does not say auth is required.
    /// - `auth_required`: 401 or 403, or a body whose `status`, `state`, `error` (or `error.code`,
    ///   `error.type`) says `auth_required`, or a 5xx whose words speak of a failed sign-in or a
    ///   wrong key (``BridgeWords``); the bridge's message is kept.
    /// - `degraded`: 5xx, 429, any other 4xx (the probe path is not served), or connected but no
    ///   answer in time.
    /// - `down`: nothing answers (refused, connect timeout, accepted then closed, unresolvable).
    /// - `tunnel_down`: the bridge is reached through a tunnel (`throughTunnel`) and its listener
    ///   refuses connections.
    public static func classify(_ outcome: HTTPOutcome, path: String, throughTunnel: Bool) -> ProbeVerdict {
        switch outcome.result {
        case .failure(let failure):
            return classify(failure, path: path, throughTunnel: throughTunnel)
        case .response(let status, _, let body):
            let said = BridgeMessage(body: body)
            if status == 401 || status == 403 {
                return ProbeVerdict(.authRequired, reason: "GET \(path) answered \(status)", message: said.message, httpStatus: status)
            }
            if said.saysAuthRequired {
                return ProbeVerdict(.authRequired, reason: "GET \(path) says auth_required", message: said.message, httpStatus: status)
            }
            // A bridge whose upstream sign-in failed often answers 500 saying so.
            if status >= 500, BridgeWords.sayAuthFailed(String(decoding: body.prefix(64 * 1024), as: UTF8.self)) {
                return ProbeVerdict(.authRequired, reason: "GET \(path) answered \(status) about its sign-in", message: said.message, httpStatus: status)
            }
            switch status {
            case 200..<400:
                return ProbeVerdict(.live, reason: "GET \(path) answered \(status)", httpStatus: status)
            case 429:
                return ProbeVerdict(.degraded, reason: "GET \(path) answered 429 (rate limited)", message: said.message, httpStatus: status)
            case 400..<500:
                return ProbeVerdict(
                    .degraded, reason: "GET \(path) answered \(status): set [bridges.probe] path to an endpoint this bridge serves",
                    message: said.message, httpStatus: status)
            default:
                return ProbeVerdict(.degraded, reason: "GET \(path) answered \(status)", message: said.message, httpStatus: status)
            }
        }
    }

    private static func classify(_ failure: HTTPFailure, path: String, throughTunnel: Bool) -> ProbeVerdict {
        switch failure.kind {
        case .refused where throughTunnel:
            return ProbeVerdict(.tunnelDown, reason: "the tunnel's listener refuses connections: check the bridge host")
        case .refused:
            return ProbeVerdict(.down, reason: "connection refused: nothing listens")
        case .closedWithoutReply where throughTunnel:
            return ProbeVerdict(
                .down, reason: "accepted, then closed with no reply: the tunnel is up but nothing answers behind it")
        case .closedWithoutReply:
            return ProbeVerdict(.down, reason: "accepted, then closed with no reply")
        case .timeout:
            return ProbeVerdict(.degraded, reason: "connected, but GET \(path) got no answer in time")
        case .connectTimeout:
            return ProbeVerdict(.down, reason: "connect timed out")
        case .resolve, .tls, .badRequest, .other:
            return ProbeVerdict(.down, reason: failure.detail)
        }
    }
}
