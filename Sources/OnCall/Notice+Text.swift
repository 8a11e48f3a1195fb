import Foundation
import Platform

extension Notice {
    /// A short headline (ntfy's `Title`, Slack's bold line): `m365: auth_required`,
    /// `tunnel macstudio down`, `codex recovered`.
    public var title: String {
        switch event {
        case .opened, .changed: headline(stateWord)
        case .reminder: headline("still \(stateWord)")
        case .recovered: "\(name) recovered"
        case .flapping: "\(name): flapping"
        case .settled: "\(name): settled at \(state)"
        }
    }

    /// One line for people, saying what happened and what to do next:
    /// `m365: auth_required — Set MICROSOFT_CLIENT_ID or M365_COPILOT_ACCESS_TOKEN.`,
    /// `tunnel macstudio down (connect_failed: …); bridges codex, m365 unreachable — check the bridge host`,
    /// `codex recovered after 12m 5s`.
    public var text: String {
        var line: String
        switch event {
        case .opened, .changed:
            line = headline(stateWord) + details(event == .changed ? previousState.map { "was \($0)" } : nil)
        case .reminder:
            line = headline("still \(stateWord)") + (duration.map { " after \(Self.format($0.timeInterval))" } ?? "") + details(nil)
        case .recovered:
            line = "\(name) recovered" + (duration.map { " after \(Self.format($0.timeInterval))" } ?? "")
        case .flapping:
            line = "\(name): flapping (" + [reason, "now \(state)"].compactMap { $0 }.joined(separator: ", ") + ")"
        case .settled:
            line = "\(name) settled at \(state)"
            if let duration, state == "live" || state == "up" {
                line += " after \(Self.format(duration.timeInterval)) of flapping"
            } else {
                line += details(nil)
            }
        }
        if kind == .tunnel, !bridges.isEmpty, event != .flapping, event != .settled {
            let names = bridges.joined(separator: ", ")
            let noun = bridges.count == 1 ? "bridge" : "bridges"
            line += event == .recovered ? "; \(noun) \(names) reachable again" : "; \(noun) \(names) unreachable"
        }
        if let nextStep { line += " — \(nextStep)" }
        return line
    }

    /// `codex` for a bridge, `tunnel macstudio` for a tunnel.
    private var name: String {
        kind == .tunnel ? "tunnel \(subject)" : subject
    }

    /// `codex: down`, `tunnel macstudio down`.
    private func headline(_ words: String) -> String {
        kind == .tunnel ? "tunnel \(subject) \(words)" : "\(subject): \(words)"
    }

    /// The state as people say it: a tunnel in backoff is down.
    private var stateWord: String {
        kind == .tunnel && state == "backoff" ? "down" : state
    }

    /// ` (was down; connection refused; "the bridge's words")`, leaving out the bridge's words when
    /// they are already the next step (an auth hint), and the reason with them, to stay short.
    private func details(_ lead: String?) -> String {
        var parts = [lead].compactMap { $0 }
        if message == nil || message != nextStep {
            if let reason { parts.append(reason) }
            if let message { parts.append("“\(message)”") }
        }
        return parts.isEmpty ? "" : " (\(parts.joined(separator: "; ")))"
    }

    /// `45s`, `12m 5s`, `4h`, `1h 2m`, `2d 3h`: the two largest units, dropping a zero second one.
    static func format(_ seconds: Double) -> String {
        let total = Int(seconds.rounded(.down))
        let units = [(86400, "d"), (3600, "h"), (60, "m"), (1, "s")]
        guard let first = units.firstIndex(where: { total >= $0.0 }) else { return "0s" }
        let major = total / units[first].0
        var text = "\(major)\(units[first].1)"
        if first + 1 < units.count {
            let minor = (total % units[first].0) / units[first + 1].0
            if minor > 0 { text += " \(minor)\(units[first + 1].1)" }
        }
        return text
    }
}
