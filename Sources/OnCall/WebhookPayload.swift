import Foundation
import Platform

/// The HTTP request body and headers that deliver one notice to a webhook, in the webhook's format.
/// Never credentials: whatever a webhook needs for auth is added at delivery time.
public struct WebhookPayload: Sendable, Equatable {
    /// The body's media type, for `Content-Type`.
    public var contentType: String
    /// Extra request headers (ntfy's `Title`, `Priority`, `Tags`); empty for `json` and `slack`.
    public var headers: [String: String]
    /// The request body.
    public var body: String

    /// Renders `notice` for a webhook of `format`:
    /// - `json`: one object with stable keys (`event`, `incident_id`, `key`, `kind`, `subject`, `state`,
    ///   `prev_state`, `reason`, `message`, `next_step`, `bridges`, `duration_seconds`, `time` (ISO 8601),
    ///   plus `priority` (syslog level), `title` and `text`); absent values are `null`.
    /// - `ntfy`: the text as a plain-text body, with `Title`, `Priority` (1–5) and `Tags` headers.
    /// - `slack`: `{"text": "*title*\ntext"}`.
    public init(notice: Notice, format: WebhookDestination.Format) {
        switch format {
        case .json:
            contentType = "application/json"
            headers = [:]
            body = Self.encode(JSONBody(notice))
        case .ntfy:
            contentType = "text/plain; charset=utf-8"
            headers = [
                "Title": Self.headerValue(notice.title),
                "Priority": String(notice.priority.ntfy),
                "Tags": Self.headerValue([Self.emoji(for: notice), notice.kind.rawValue, notice.state].joined(separator: ",")),
            ]
            body = notice.text
        case .slack:
            contentType = "application/json"
            headers = [:]
            body = Self.encode(["text": "*\(Self.slackEscaped(notice.title))*\n\(Self.slackEscaped(notice.text))"])
        }
    }

    /// The `json` format's object.
    private struct JSONBody: Encodable {
        let notice: Notice

        init(_ notice: Notice) { self.notice = notice }

        enum CodingKeys: String, CodingKey {
            case event, incidentID = "incident_id", key, kind, subject, state, previousState = "prev_state", reason
            case message, nextStep = "next_step", bridges, durationSeconds = "duration_seconds", time, priority, title, text
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            // `encode` on optionals writes null, so every key is always there.
            try container.encode(notice.event.rawValue, forKey: .event)
            try container.encode(notice.incidentID, forKey: .incidentID)
            try container.encode(notice.key, forKey: .key)
            try container.encode(notice.kind.rawValue, forKey: .kind)
            try container.encode(notice.subject, forKey: .subject)
            try container.encode(notice.state, forKey: .state)
            try container.encode(notice.previousState, forKey: .previousState)
            try container.encode(notice.reason, forKey: .reason)
            try container.encode(notice.message, forKey: .message)
            try container.encode(notice.nextStep, forKey: .nextStep)
            try container.encode(notice.bridges, forKey: .bridges)
            try container.encode(notice.duration.map { Int($0.timeInterval.rounded(.down)) }, forKey: .durationSeconds)
            try container.encode(notice.time, forKey: .time)
            try container.encode(notice.priority.syslog, forKey: .priority)
            try container.encode(notice.title, forKey: .title)
            try container.encode(notice.text, forKey: .text)
        }
    }

    private static func encode(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Strings, numbers and dates always encode; the fallback is never expected.
        guard let data = try? encoder.encode(value) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    /// ntfy turns the first tag that is an emoji short code into an icon.
    private static func emoji(for notice: Notice) -> String {
        switch notice.event {
        case .opened, .changed: notice.priority >= .high ? "rotating_light" : "warning"
        case .reminder: "bell"
        case .recovered: "white_check_mark"
        case .flapping: "arrows_counterclockwise"
        case .settled: notice.state == "live" ? "white_check_mark" : "warning"
        }
    }

    /// HTTP header values are ASCII on one line: anything else becomes `?`.
    private static func headerValue(_ text: String) -> String {
        String(text.unicodeScalars.map { $0.isASCII && $0.value >= 0x20 && $0.value != 0x7F ? Character($0) : "?" })
    }

    /// Slack's three reserved characters in message text.
    private static func slackEscaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
