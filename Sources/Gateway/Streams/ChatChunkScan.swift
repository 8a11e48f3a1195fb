/// One chat-completions SSE event's bytes, scanned once without parsing them: whether its data is
/// `[DONE]`, the characters of the `content` and `arguments` strings in its `data:` line, and
/// whether it needs a real parse instead. In JSON a quote inside a string is escaped, so
/// `"content":` in the raw bytes of one data line is a key. Whatever the scan cannot settle for
/// sure needs the parse: a `usage` object, content parts or arguments that are not strings, a key
/// written with escapes, a string left open, several data lines, data that is not an object (a
/// `[DONE]` in another spelling among it).
/// Bridges' bytes are outside input: every index is checked (fuzzed as `stream-scan`).
struct ChatChunkScan {
    private(set) var isDone = false
    private(set) var needsParsing = false
    private(set) var characters = 0

    init(_ event: UnsafeRawBufferPointer) {
        var dataLines = 0
        var lineStart = 0
        while lineStart < event.count, !needsParsing {
            var lineEnd = lineStart
            while lineEnd < event.count, event[lineEnd] != 10, event[lineEnd] != 13 { lineEnd += 1 }
            let line = UnsafeRawBufferPointer(rebasing: event[lineStart..<lineEnd])
            if Self.matches(line, at: 0, "data:") {
                dataLines += 1
                var payload = 5
                if payload < line.count, line[payload] == 32 { payload += 1 }
                scan(UnsafeRawBufferPointer(rebasing: line[payload...]))
            }
            lineStart = lineEnd + 1
        }
        if dataLines > 1 { needsParsing = true }
        if needsParsing { isDone = false }
    }

    /// One data line's payload.
    private mutating func scan(_ data: UnsafeRawBufferPointer) {
        if data.elementsEqual("[DONE]".utf8) {
            isDone = true
            return
        }
        // Anything but a JSON object (`[DONE]` spelt otherwise among it) is the parser's.
        guard let first = data.first(where: { $0 != 32 && $0 != 9 }), first == UInt8(ascii: "{") else {
            needsParsing = true
            return
        }
        var index = 0
        while index < data.count {
            guard data[index] == UInt8(ascii: "\"") else {
                index += 1
                continue
            }
            let string = Self.string(data, from: index + 1)
            guard string.closed else {
                needsParsing = true
                return
            }
            index = string.end
            guard let value = Self.value(data, afterKey: index) else { continue }
            // A key: one written with escapes could be any of the three below.
            guard !string.escaped else {
                needsParsing = true
                return
            }
            let key = data[string.start..<(string.end - 1)]
            let counted = key.elementsEqual("content".utf8) || key.elementsEqual("arguments".utf8)
            guard counted || key.elementsEqual("usage".utf8) else { continue }
            switch data[value] {
            case UInt8(ascii: "n"):
                index = value
            case UInt8(ascii: "\"") where counted:
                let text = Self.string(data, from: value + 1)
                guard text.closed else {
                    needsParsing = true
                    return
                }
                characters += text.characters
                index = text.end
            default:
                needsParsing = true
                return
            }
        }
    }

    private static func matches(_ bytes: UnsafeRawBufferPointer, at index: Int, _ word: StaticString) -> Bool {
        guard index + word.utf8CodeUnitCount <= bytes.count else { return false }
        return word.withUTF8Buffer { word in
            for offset in 0..<word.count where bytes[index + offset] != word[offset] { return false }
            return true
        }
    }

    /// The index of a key's value (past whitespace and the colon); nil when no colon follows (the
    /// string was a value, not a key).
    private static func value(_ bytes: UnsafeRawBufferPointer, afterKey index: Int) -> Int? {
        var index = skipSpace(bytes, from: index)
        guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return nil }
        index = skipSpace(bytes, from: index + 1)
        return index < bytes.count ? index : nil
    }

    private static func skipSpace(_ bytes: UnsafeRawBufferPointer, from index: Int) -> Int {
        var index = index
        while index < bytes.count, bytes[index] == 32 || bytes[index] == 9 { index += 1 }
        return index
    }

    /// The string whose contents start at `start`: past its closing quote (`end`), whether it has
    /// one, whether it holds escapes, and its characters (code points; an escape is one).
    private static func string(_ bytes: UnsafeRawBufferPointer, from start: Int) -> (start: Int, end: Int, closed: Bool, escaped: Bool, characters: Int) {
        var index = start
        var characters = 0
        var escaped = false
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") { return (start, index + 1, true, escaped, characters) }
            if byte == UInt8(ascii: "\\") {
                escaped = true
                index += index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "u") ? 6 : 2
                characters += 1
                continue
            }
            if byte & 0xC0 != 0x80 { characters += 1 }
            index += 1
        }
        return (start, bytes.count, false, escaped, characters)
    }
}
