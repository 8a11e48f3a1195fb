/// Whitespace tidying for prose that leaves code alone, for `PromptCompressor`.
///
/// Outside code, runs of two or more spaces or tabs between words become one space (a line's
/// leading indentation is kept), spaces and tabs at the end of a line are removed, and three or
/// more line breaks in a row (blank lines, whitespace-only lines included) become two. Line
/// breaks are `\n`, `\r\n` and `\r`, and the ones kept are kept as written.
///
/// Code is everything in a fenced block, from an opening fence line (indented or not, three or
/// more backticks or tildes) through the closing fence line (the same character, at least as
/// many, nothing else on the line) or the end of the text; and every inline code span: a run of
/// backticks through the next run of exactly as many (a run with no match is literal text, as in
/// CommonMark; backslash escapes are not considered, which can only make a span longer).
///
/// Everything it looks for is ASCII, so it works on UTF-8 bytes (a byte of a multi-byte
/// character is never ASCII): only ASCII spaces and tabs are collapsed.
enum ProseWhitespace {
    private typealias Bytes = [UInt8]
    private static let space = UInt8(ascii: " ")
    private static let tab = UInt8(ascii: "\t")
    private static let newline = UInt8(ascii: "\n")
    private static let carriageReturn = UInt8(ascii: "\r")
    private static let backtick = UInt8(ascii: "`")
    private static let tilde = UInt8(ascii: "~")

    /// `text` tidied; unchanged when it has nothing to tidy.
    static func collapsed(_ text: String) -> String {
        let bytes = Array(text.utf8)
        let isCode = codeMask(bytes)
        var output: Bytes = []
        output.reserveCapacity(bytes.count)
        var spaces = 0..<0  // the pending run of spaces and tabs
        var breaks: (first: Range<Int>?, second: Range<Int>?)  // the first two pending line breaks
        var atLineStart = true
        func flushBreaks() {
            if let first = breaks.first { output += bytes[first] }
            if let second = breaks.second { output += bytes[second] }
            breaks = (nil, nil)
        }
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if !isCode[index] && isSpace(byte) {
                spaces = (spaces.isEmpty ? index : spaces.lowerBound)..<index + 1
                index += 1
            } else if !isCode[index] && isLineBreak(byte) {
                let end = breakEnd(bytes, at: index)
                if breaks.first == nil {
                    breaks.first = index..<end
                } else if breaks.second == nil {
                    breaks.second = index..<end
                }
                spaces = 0..<0
                atLineStart = true
                index = end
            } else {
                flushBreaks()
                if atLineStart || spaces.count < 2 {
                    output += bytes[spaces]
                } else {
                    output.append(space)
                }
                spaces = 0..<0
                output.append(byte)
                atLineStart = isLineBreak(byte)
                index += 1
            }
        }
        flushBreaks()
        return output.count == bytes.count ? text : String(decoding: output, as: UTF8.self)
    }

    /// Whether `text` is prose to tidy: not JSON (trimmed, it starts with `{` or `[` and parses)
    /// and not code as a whole. Code as a whole means it starts with `#!`, or at least half of its
    /// non-blank lines end (trailing whitespace aside) with `;`, `{` or `}` — a deliberately wide
    /// net: a prose text caught by it is merely left as it is.
    static func isProse(_ text: String) -> Bool {
        let body = text.utf8.drop(while: isWhitespace)
        if body.starts(with: "#!".utf8) { return false }
        if body.first == UInt8(ascii: "{") || body.first == UInt8(ascii: "["), (try? JSONParser.parse(body)) != nil {
            return false
        }
        let lineEnds = text.utf8.split(whereSeparator: isLineBreak).compactMap { $0.last { !isWhitespace($0) } }
        let codeLike = lineEnds.count { $0 == UInt8(ascii: ";") || $0 == UInt8(ascii: "{") || $0 == UInt8(ascii: "}") }
        return lineEnds.isEmpty || codeLike * 2 < lineEnds.count
    }

    /// For each byte, whether it is code: in a fenced block (fence lines included, the closing
    /// one's line break excepted) or in an inline code span (its backticks included).
    private static func codeMask(_ bytes: Bytes) -> [Bool] {
        var mask = [Bool](repeating: false, count: bytes.count)
        var fence: (mark: UInt8, length: Int)?
        var proseStart = 0
        var lineStart = 0
        while lineStart < bytes.count {
            let end = bytes[lineStart...].firstIndex(where: isLineBreak) ?? bytes.count
            let line = bytes[lineStart..<end]
            let next = end < bytes.count ? breakEnd(bytes, at: end) : end
            if let open = fence {
                // A closing fence line's line break is prose: blank lines after the block collapse.
                let closing = closes(open, line)
                let codeEnd = closing ? end : next
                mask.replaceSubrange(lineStart..<codeEnd, with: repeatElement(true, count: codeEnd - lineStart))
                if closing {
                    fence = nil
                    proseStart = next
                }
            } else if let open = opening(line) {
                markSpans(bytes, in: proseStart..<lineStart, on: &mask)
                mask.replaceSubrange(lineStart..<next, with: repeatElement(true, count: next - lineStart))
                fence = open
            }
            lineStart = next
        }
        if fence == nil { markSpans(bytes, in: proseStart..<bytes.count, on: &mask) }
        return mask
    }

    /// The fence `line` opens, if it is an opening fence line.
    private static func opening(_ line: ArraySlice<UInt8>) -> (mark: UInt8, length: Int)? {
        let body = line.drop(while: isSpace)
        guard let mark = body.first, mark == backtick || mark == tilde else { return nil }
        let length = body.prefix { $0 == mark }.count
        return length >= 3 ? (mark, length) : nil
    }

    /// Whether `line` closes the fence `open`.
    private static func closes(_ open: (mark: UInt8, length: Int), _ line: ArraySlice<UInt8>) -> Bool {
        let body = line.drop(while: isSpace)
        let run = body.prefix { $0 == open.mark }
        return run.count >= open.length && body.dropFirst(run.count).allSatisfy(isSpace)
    }

    /// Marks the inline code spans in `range` (prose between fenced blocks) on `mask`.
    private static func markSpans(_ bytes: Bytes, in range: Range<Int>, on mask: inout [Bool]) {
        var runs: [Range<Int>] = []
        var index = range.lowerBound
        while index < range.upperBound {
            guard bytes[index] == backtick else {
                index += 1
                continue
            }
            let end = bytes[index..<range.upperBound].firstIndex { $0 != backtick } ?? range.upperBound
            runs.append(index..<end)
            index = end
        }
        // For each run, the next run of the same length (its closer, if it opens a span).
        var closer = [Int?](repeating: nil, count: runs.count)
        var laterRun: [Int: Int] = [:]
        for run in runs.indices.reversed() {
            closer[run] = laterRun[runs[run].count]
            laterRun[runs[run].count] = run
        }
        var run = 0
        while run < runs.count {
            guard let close = closer[run] else {
                run += 1
                continue
            }
            let span = runs[run].lowerBound..<runs[close].upperBound
            mask.replaceSubrange(span, with: repeatElement(true, count: span.count))
            run = close + 1
        }
    }

    /// The end of the line break starting at `index` (`\r\n` is one line break).
    private static func breakEnd(_ bytes: Bytes, at index: Int) -> Int {
        bytes[index] == carriageReturn && index + 1 < bytes.count && bytes[index + 1] == newline ? index + 2 : index + 1
    }

    private static func isSpace(_ byte: UInt8) -> Bool { byte == space || byte == tab }

    private static func isLineBreak(_ byte: UInt8) -> Bool { byte == newline || byte == carriageReturn }

    /// ASCII whitespace (what `JSONParser` skips, plus vertical tab and form feed).
    private static func isWhitespace(_ byte: UInt8) -> Bool { isSpace(byte) || isLineBreak(byte) || byte == 0x0B || byte == 0x0C }
}
