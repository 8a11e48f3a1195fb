import BridgeProbe
import Foundation
import Store
import OnCall
import Testing
import TunnelManager

/// Notices rendered for each webhook format.
@Suite struct WebhookPayloadTests {
    static let start = Date(timeIntervalSince1970: 1_700_000_000)
    static func at(_ seconds: Double) -> Date { start.addingTimeInterval(seconds) }

    static func object(_ body: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
    }

    static func tunnelNotices() -> (opened: Notice, recovered: Notice) {
        var book = IncidentBook(bridgeTunnels: ["codex": "macstudio", "m365": "macstudio"])
        let opened = book.handle(
            .tunnel("macstudio", from: .up, to: .backoff, failure: .connectFailed, reason: "connection refused"), at: at(0))
        for incident in book.takeChanges() { book.assign(id: 9, toIncidentKeyed: incident.key) }
        let recovered = book.handle(.tunnel("macstudio", from: .connecting, to: .up), at: at(725))
        return (opened[0], recovered[0])
    }

    @Test("json: a stable object; absent values are null")
    func json() throws {
        let (opened, recovered) = Self.tunnelNotices()
        let payload = WebhookPayload(notice: recovered, format: .json)
        #expect(payload.contentType == "application/json")
        #expect(payload.headers.isEmpty)
        let object = try Self.object(payload.body)
        #expect(object["event"] as? String == "recovered")
        #expect(object["incident_id"] as? Int == 9)
        #expect(object["key"] as? String == "tunnel:macstudio")
        #expect(object["kind"] as? String == "tunnel")
        #expect(object["subject"] as? String == "macstudio")
        #expect(object["state"] as? String == "up")
        #expect(object["prev_state"] as? String == "backoff")
        #expect(object["reason"] as? String == "connect_failed: connection refused")
        #expect(object["message"] is NSNull)
        #expect(object["next_step"] is NSNull)
        #expect(object["bridges"] as? [String] == ["codex", "m365"])
        #expect(object["duration_seconds"] as? Int == 725)
        #expect(object["time"] as? String == "2023-11-14T22:25:25Z")
        #expect(object["text"] as? String == "tunnel macstudio recovered after 12m 5s; bridges codex, m365 reachable again")

        let openedObject = try Self.object(WebhookPayload(notice: opened, format: .json).body)
        #expect(openedObject["incident_id"] is NSNull)
        #expect(openedObject["duration_seconds"] is NSNull)
        #expect(openedObject["next_step"] as? String == "check the bridge host")
        let keys = ["event", "incident_id", "key", "kind", "subject", "state", "prev_state", "reason", "message", "next_step",
            "bridges", "duration_seconds", "time"]
        #expect(keys.allSatisfy { openedObject.keys.contains($0) })
    }

    @Test("ntfy: plain text body with Title, Priority (1-5) and Tags headers")
    func ntfy() {
        let (opened, recovered) = Self.tunnelNotices()
        let payload = WebhookPayload(notice: opened, format: .ntfy)
        #expect(payload.contentType == "text/plain; charset=utf-8")
        #expect(payload.headers["Title"] == "tunnel macstudio down")
        #expect(payload.headers["Priority"] == "4")
        #expect(payload.headers["Tags"] == "rotating_light,tunnel,backoff")
        #expect(
            payload.body
                == "tunnel macstudio down (connect_failed: connection refused); bridges codex, m365 unreachable — check the bridge host")
        let good = WebhookPayload(notice: recovered, format: .ntfy)
        #expect(good.headers["Title"] == "tunnel macstudio recovered")
        #expect(good.headers["Priority"] == "2")
        #expect(good.headers["Tags"] == "white_check_mark,tunnel,up")
    }

    @Test("ntfy priorities span 2 to 5, and header values stay ASCII")
    func ntfyPriorities() {
        var book = IncidentBook()
        let exposed = book.handle(.bridge("codex", from: .live, to: .exposed), at: Self.at(0))[0]
        #expect(WebhookPayload(notice: exposed, format: .ntfy).headers["Priority"] == "5")
        let auth = book.handle(.bridge("m365", from: .live, to: .authRequired), at: Self.at(0))[0]
        #expect(WebhookPayload(notice: auth, format: .ntfy).headers["Priority"] == "3")
        let odd = book.handle(.bridge("brücke", from: .live, to: .down), at: Self.at(0))[0]
        #expect(WebhookPayload(notice: odd, format: .ntfy).headers["Title"] == "br?cke: down")
    }

    @Test("slack: {\"text\": …} with a bold title line, Slack's reserved characters escaped")
    func slack() throws {
        var book = IncidentBook()
        let hint = "Set MICROSOFT_CLIENT_ID or M365_COPILOT_ACCESS_TOKEN."
        let notice = book.handle(.bridge("m365", from: .live, to: .authRequired, message: hint), at: Self.at(0))[0]
        let payload = WebhookPayload(notice: notice, format: .slack)
        #expect(payload.contentType == "application/json")
        let object = try Self.object(payload.body)
        #expect(object.count == 1)
        #expect(object["text"] as? String == "*m365: auth_required*\nm365: auth_required — \(hint)")

        let odd = book.handle(.bridge("codex", from: .live, to: .degraded, reason: "<500> & more"), at: Self.at(0))[0]
        let text = try Self.object(WebhookPayload(notice: odd, format: .slack).body)["text"] as? String
        #expect(text == "*codex: degraded*\ncodex: degraded (&lt;500&gt; &amp; more) — check the bridge's logs: it answers with errors or too slowly")
    }
}
