public import Logging

extension JournalEntry {
    /// The journal entry for one log event: `MESSAGE`, `PRIORITY` (syslog level of `event.level`),
    /// `SYSLOG_IDENTIFIER=bridgekeeper`, `CODE_FILE`, `CODE_LINE`, `CODE_FUNC`, then each of
    /// `metadata` as an upper-cased field (`bridge` → `BRIDGE`, `prev_state` → `PREV_STATE`), in key
    /// order. See ``fieldName(metadataKey:)`` for keys that are not valid field names.
    public init(log event: LogEvent, metadata: Logger.Metadata) {
        var fields = [
            Field("MESSAGE", event.message.description),
            Field("PRIORITY", String(Self.priority(of: event.level))),
            Field("SYSLOG_IDENTIFIER", "bridgekeeper"),
            Field("CODE_FILE", event.file),
            Field("CODE_LINE", String(event.line)),
            Field("CODE_FUNC", event.function),
        ]
        let reserved = Set(fields.map(\.name))
        for key in metadata.keys.sorted() {
            var name = Self.fieldName(metadataKey: key)
            if reserved.contains(name) { name = "META_" + name }
            fields.append(Field(name, metadata[key]!.description))
        }
        self.init(fields: fields)
    }

    /// The syslog priority journald files a log level under: critical 2, error 3, warning 4,
    /// notice 5, info 6, debug and trace 7.
    public static func priority(of level: Logger.Level) -> Int {
        switch level {
        case .critical: 2
        case .error: 3
        case .warning: 4
        case .notice: 5
        case .info: 6
        case .debug, .trace: 7
        }
    }

    /// A metadata key as a journal field name: upper-cased, every character other than `A`–`Z`,
    /// `0`–`9` and `_` replaced by `_`, and `X` put in front of a leading `_` or digit (journald
    /// keeps leading `_` for its own trusted fields), at most 64 characters.
    public static func fieldName(metadataKey key: String) -> String {
        var name = String(String.UnicodeScalarView(key.uppercased().unicodeScalars.map { scalar in
            ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar) || scalar == "_" ? scalar : "_"
        }))
        if name.isEmpty || name.first == "_" || name.first!.isNumber { name = "X" + name }
        return String(name.prefix(64))
    }
}
