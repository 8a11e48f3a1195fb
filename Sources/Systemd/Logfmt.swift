public import Foundation
public import Logging

/// Log lines in logfmt, for stderr when journald is not listening:
/// `time=2026-05-01T12:00:00.123Z level=info msg="bridge codex: live" bridge=codex state=live`.
/// Metadata keys are sorted; a value is quoted (with `\"`, `\\`, `\n`, `\t`, `\r` and `\u{…}`
/// escapes) when it is empty or holds a space, `=`, `"`, `\` or a control character.
public enum Logfmt {
    /// One line, without its newline.
    public static func line(time: Date, level: Logger.Level, message: String, metadata: Logger.Metadata) -> String {
        var pairs = [
            "time=\(time.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)))",
            "level=\(level.rawValue)",
            "msg=\(value(message))",
        ]
        for key in metadata.keys.sorted() {
            pairs.append("\(self.key(key))=\(value(metadata[key]!.description))")
        }
        return pairs.joined(separator: " ")
    }

    /// `text` as a logfmt value: bare when it can be, quoted and escaped otherwise.
    public static func value(_ text: String) -> String {
        guard text.isEmpty || text.unicodeScalars.contains(where: needsQuotes) else { return text }
        var quoted = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": quoted += "\\\""
            case "\\": quoted += "\\\\"
            case "\n": quoted += "\\n"
            case "\r": quoted += "\\r"
            case "\t": quoted += "\\t"
            case _ where isControl(scalar): quoted += "\\u{\(String(scalar.value, radix: 16))}"
            default: quoted.unicodeScalars.append(scalar)
            }
        }
        return quoted + "\""
    }

    /// A metadata key as a logfmt key: anything that would end or confuse it becomes `_`.
    static func key(_ text: String) -> String {
        let cleaned = String(String.UnicodeScalarView(text.unicodeScalars.map { needsQuotes($0) ? "_" : $0 }))
        return cleaned.isEmpty ? "_" : cleaned
    }

    private static func needsQuotes(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || scalar == "=" || scalar == "\"" || scalar == "\\" || isControl(scalar)
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar.properties.generalCategory == .lineSeparator
            || scalar.properties.generalCategory == .paragraphSeparator
    }
}
