import Foundation
import Policy

/// What a bridge's answer says in its own words: whether it asks for auth, and its message.
/// Bridges answer in many shapes; these are the ones seen in the wild:
/// `{"status": "auth_required", "message": "…"}`, `{"error": "auth_required", "hint": "…"}`,
/// `{"error": {"code": "auth_required", "message": "…"}}`, `{"detail": "…"}`, or plain text.
struct BridgeMessage {
    /// Whether a `status`, `state` or `error` field (or `error.code`/`error.type`) says auth_required.
    let saysAuthRequired: Bool
    /// The bridge's message, cleaned to one line of at most 300 characters.
    let message: String?

    init(body: [UInt8]) {
        guard !body.isEmpty else {
            saysAuthRequired = false
            message = nil
            return
        }
        if let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] {
            let nested = object["error"] as? [String: Any]
            let markers: [Any?] = [object["status"], object["state"], object["error"], nested?["code"], nested?["type"]]
            saysAuthRequired = markers.contains { ($0 as? String)?.lowercased() == "auth_required" }
            let candidates: [Any?] = [object["message"], object["hint"], object["detail"], nested?["message"], object["error_description"]]
            message = candidates.lazy.compactMap { $0 as? String }.first(where: { !$0.isEmpty }).flatMap(Self.oneLine)
        } else {
            saysAuthRequired = false
            let text = String(decoding: body, as: UTF8.self)
            message = text.contains("<html") || text.contains("<HTML") ? nil : Self.oneLine(text)
        }
    }

    /// The bridge's words as ``UntrustedText`` (one line, no control characters, 300 at most).
    private static func oneLine(_ text: String) -> String? {
        let line = UntrustedText.clean(text, limit: 300)
        return line.isEmpty ? nil : line
    }
}
