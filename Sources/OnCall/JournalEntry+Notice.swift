import Platform
public import Systemd
extension JournalEntry {
    /// `MESSAGE_ID` of each notice event: fixed 128-bit ids, so `journalctl MESSAGE_ID=…` finds every
    /// notice of a kind across versions.
    ///
    /// | event       | MESSAGE_ID                         |
    /// |-------------|------------------------------------|
    /// | `opened`    | `d90f8d38cea5435bafbf399194192d05` |
    /// | `changed`   | `2453a2aafcf04fd5ac55dfe3c298d49c` |
    /// | `reminder`  | `f6bd2f0fcae84d459c54ea8af302d510` |
    /// | `recovered` | `67c9bbb7eeb1477c91d4b0cba785b184` |
    /// | `flapping`  | `03353aff8d46409a9e12768543f65af2` |
    /// | `settled`   | `c98b917da8984d278b2416d378eb34a9` |
    public static func messageID(for event: Notice.Event) -> String {
        switch event {
        case .opened: "d90f8d38cea5435bafbf399194192d05"
        case .changed: "2453a2aafcf04fd5ac55dfe3c298d49c"
        case .reminder: "f6bd2f0fcae84d459c54ea8af302d510"
        case .recovered: "67c9bbb7eeb1477c91d4b0cba785b184"
        case .flapping: "03353aff8d46409a9e12768543f65af2"
        case .settled: "c98b917da8984d278b2416d378eb34a9"
        }
    }

    /// The journal entry for a notice: `MESSAGE`, `MESSAGE_ID`, `PRIORITY` (syslog level),
    /// `SYSLOG_IDENTIFIER=bridgekeeper`, then `BRIDGE` (the bridge, or each bridge a tunnel took
    /// down), `TUNNEL`, `STATE`, `PREV_STATE`, `REASON`, `INCIDENT_ID`, `INCIDENT_KEY`,
    /// `NEXT_STEP` and `DURATION_SECONDS`, each only when it has a value.
    public init(notice: Notice) {
        var fields = [
            Field("MESSAGE", notice.text),
            Field("MESSAGE_ID", Self.messageID(for: notice.event)),
            Field("PRIORITY", String(notice.priority.syslog)),
            Field("SYSLOG_IDENTIFIER", "bridgekeeper"),
        ]
        switch notice.kind {
        case .bridge:
            fields.append(Field("BRIDGE", notice.subject))
            if let tunnel = notice.tunnel { fields.append(Field("TUNNEL", tunnel)) }
        case .tunnel:
            fields += notice.bridges.map { Field("BRIDGE", $0) }
            fields.append(Field("TUNNEL", notice.subject))
        }
        let optional: [(String, String?)] = [
            ("STATE", notice.state),
            ("PREV_STATE", notice.previousState),
            ("REASON", notice.reason),
            ("INCIDENT_ID", notice.incidentID.map(String.init)),
            ("INCIDENT_KEY", notice.key),
            ("NEXT_STEP", notice.nextStep),
            ("DURATION_SECONDS", notice.duration.map { String(Int($0.timeInterval.rounded(.down))) }),
        ]
        for case (let name, let value?) in optional where !value.isEmpty {
            fields.append(Field(name, value))
        }
        self.init(fields: fields)
    }
}
