/// One chat-completions SSE event's bytes, scanned once without parsing them: whether it is
/// `data: [DONE]`, the characters of its `content` and `arguments` strings, and whether it needs a
/// JSON parse (a `usage` object, content parts, arguments as an object). In JSON a quote inside a
/// string is escaped, so `"content":` in the raw bytes is a key. Bridges' bytes are outside input:
/// every index is checked (fuzzed as `stream-scan`).
struct ChatChunkScan {
    private(set) var isDone = false
    private(set) var needsParsing = false
    private(set) var characters = 0

    init(_ bytes: UnsafeRawBufferPointer) {
        if Self.isDone(bytes) {
            isDone = true
            return
        }
        var index = 0
        while index < bytes.count {
            guard bytes[index] == UInt8(ascii: "\"") else {
                index += 1
                continue
            }
            index += 1
            let key: Key
            if Self.matches(bytes, at: index, "content\"") {
                (key, index) = (.counted, index + 8)
            } else if Self.matches(bytes, at: index, "arguments\"") {
                (key, index) = (.counted, index + 10)
            } else if Self.matches(bytes, at: index, "usage\"") {
                (key, index) = (.usage, index + 6)
            } else {
                // Any other string, key or value: skip to its closing quote.
                index = Self.stringEnd(bytes, from: index).end
                continue
            }
            guard let value = Self.value(bytes, afterKey: index) else { continue }
            switch (key, bytes[value]) {
            case (.counted, UInt8(ascii: "\"")):
                let string = Self.stringEnd(bytes, from: value + 1)
                characters += string.characters
                index = string.end
            case (.counted, UInt8(ascii: "n")), (.usage, UInt8(ascii: "n")):
                index = value
            default:
                needsParsing = true
                return
            }
        }
    }

    /// The index just past the first complete event (`\n\n` or `\r\n\r\n`) at or after `start`.
    static func eventEnd(in bytes: UnsafeRawBufferPointer, from start: Int) -> Int? {
        var index = start
        while index + 1 < bytes.count {
            if bytes[index + 1] != 10 {
                index += 1
                continue
            }
            if bytes[index] == 10 { return index + 2 }
            if bytes[index] == 13, index + 3 < bytes.count, bytes[index + 2] == 13, bytes[index + 3] == 10 { return index + 4 }
            index += 1
        }
        return nil
    }

    private enum Key {
        case counted, usage
    }

    /// Whether the event's data is `[DONE]`.
    private static func isDone(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count <= 32 else { return false }
        let text = bytes.filter { $0 != 32 && $0 != 10 && $0 != 13 }
        return text.elementsEqual("data:[DONE]".utf8)
    }

    private static func matches(_ bytes: UnsafeRawBufferPointer, at index: Int, _ word: StaticString) -> Bool {
        guard index + word.utf8CodeUnitCount <= bytes.count else { return false }
        return word.withUTF8Buffer { word in
            for offset in 0..<word.count where bytes[index + offset] != word[offset] { return false }
            return true
        }
    }

    /// The index of a key's value (past whitespace and the colon); nil when no colon follows (the
    /// word was a value, not a key).
    private static func value(_ bytes: UnsafeRawBufferPointer, afterKey index: Int) -> Int? {
        var index = skipSpace(bytes, from: index)
        guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return nil }
        index = skipSpace(bytes, from: index + 1)
        return index < bytes.count ? index : nil
    }

    private static func skipSpace(_ bytes: UnsafeRawBufferPointer, from index: Int) -> Int {
        var index = index
        while index < bytes.count, bytes[index] == 32 || bytes[index] == 9 || bytes[index] == 10 || bytes[index] == 13 { index += 1 }
        return index
    }

    /// Past the string whose contents start at `index`, and its characters (code points; an
    /// escape is one).
    private static func stringEnd(_ bytes: UnsafeRawBufferPointer, from index: Int) -> (end: Int, characters: Int) {
        var index = index
        var characters = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") { return (index + 1, characters) }
            if byte == UInt8(ascii: "\\") {
                index += index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "u") ? 6 : 2
                characters += 1
                continue
            }
            if byte & 0xC0 != 0x80 { characters += 1 }
            index += 1
        }
        return (index, characters)
    }
}
