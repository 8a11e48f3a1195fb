/// Text from outside — a bridge's words, a proxy command's stderr, a managed bridge's output —
/// made fit to show in a terminal, store, log and send: one line, no control characters, no
/// terminal escape sequences (which could retitle a window, clear a screen or hide text), no
/// bidirectional controls, zero-width or tag characters (which reorder or hide what a reader sees),
/// and at most `limit` characters.
public enum UntrustedText {
    /// `text` cleaned: escape sequences removed, line breaks and tabs as spaces, other control
    /// characters dropped, runs of spaces as one, trimmed, and cut to `limit` characters with `…`.
    public static func clean(_ text: some StringProtocol, limit: Int = 300) -> String {
        var kept: [Unicode.Scalar] = []
        var scalars = text.unicodeScalars.makeIterator()
        // Read one past the limit, to know whether to cut.
        while kept.count <= limit, let scalar = scalars.next() {
            switch scalar.value {
            case 0x1B:
                skipEscape(&scalars)
            case 0x09, 0x0A, 0x0D, 0x20:
                if let last = kept.last, last != " " { kept.append(" ") }
            case 0x2028, 0x2029:
                if let last = kept.last, last != " " { kept.append(" ") }
            case 0x00..<0x20, 0x7F, 0x80..<0xA0, 0x061C, 0x200B...0x200F, 0x202A...0x202E, 0x2060...0x2069, 0xFEFF,
                0xE0000...0xE007F:
                continue
            default:
                kept.append(scalar)
            }
        }
        let cut = kept.count > limit
        if cut { kept = Array(kept.prefix(max(0, limit - 1))) }
        while kept.last == " " { kept.removeLast() }
        var line = String(String.UnicodeScalarView(kept))
        if cut { line += "…" }
        return line
    }

    /// Skips the rest of an escape sequence after ESC: CSI (`ESC [ … final`), OSC and the other
    /// string sequences (`ESC ] … BEL` or `… ESC \`), or a two-character one.
    private static func skipEscape(_ scalars: inout some IteratorProtocol<Unicode.Scalar>) {
        guard let kind = scalars.next() else { return }
        switch kind {
        case "[":
            while let next = scalars.next(), !(0x40...0x7E).contains(next.value) {}
        case "]", "P", "X", "^", "_":
            var previous: Unicode.Scalar?
            while let next = scalars.next() {
                if next.value == 0x07 || (previous?.value == 0x1B && next == "\\") { return }
                previous = next
            }
        default:
            return
        }
    }
}
