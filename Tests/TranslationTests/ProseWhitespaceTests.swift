import Testing

@testable import Translation

@Suite("ProseWhitespace")
struct ProseWhitespaceTests {
    @Test("prose: runs between words become one space, indentation stays, line ends trimmed, blank lines at most one", arguments: [
        ("one  two\t\tthree \t four", "one two three four"),
        ("a b\tc", "a b\tc"),
        ("    indented  text\n\t\tstill  indented", "    indented text\n\t\tstill indented"),
        ("trailing   \nline\t \nend  ", "trailing\nline\nend"),
        ("a\n\n\nb", "a\n\nb"),
        ("a\n\n\n\n\n\nb", "a\n\nb"),
        ("a\n  \n\t\n \n  b", "a\n\n  b"),
        ("a\n\nb\n", "a\n\nb\n"),
        ("\n\n\n\nstart and end\n\n\n", "\n\nstart and end\n\n"),
        ("a  b  \r\n\r\n\r\n\r\nc\r\nd", "a b\r\n\r\nc\r\nd"),
        ("   ", ""),
        ("", ""),
        ("naïve  café\u{00A0}\u{00A0}déjà  vu 😀  ok", "naïve café\u{00A0}\u{00A0}déjà vu 😀 ok"),
    ])
    func prose(text: String, expected: String) {
        #expect(ProseWhitespace.collapsed(text) == expected)
        #expect(ProseWhitespace.collapsed(expected) == expected)
    }

    @Test("fenced blocks are kept as they are, to the closing fence or the end of the text", arguments: [
        ("text  here\n```swift\nlet  x = 1   \n\n\n\nlet y\n```\nafter  fence",
         "text here\n```swift\nlet  x = 1   \n\n\n\nlet y\n```\nafter fence"),
        ("~~~\n  a    b  \n~~~\nc  d", "~~~\n  a    b  \n~~~\nc d"),
        ("````\n```\n a  b\n````  \nc  d", "````\n```\n a  b\n````  \nc d"),
        ("~~~\na  b\n```\nc  d\n~~~\ne  f", "~~~\na  b\n```\nc  d\n~~~\ne f"),
        ("- item:\n  ```\n  x   =  1\n  ```\n- next  item", "- item:\n  ```\n  x   =  1\n  ```\n- next item"),
        ("open  fence\n```\nnever   closed\n\n\n\n", "open fence\n```\nnever   closed\n\n\n\n"),
        ("a\n\n\n\n```\ncode\n```\n\n\n\nb", "a\n\n```\ncode\n```\n\nb"),
        ("a\r\n```\r\nx  y\r\n```\r\nz  w", "a\r\n```\r\nx  y\r\n```\r\nz w"),
    ])
    func fences(text: String, expected: String) {
        #expect(ProseWhitespace.collapsed(text) == expected)
        #expect(ProseWhitespace.collapsed(expected) == expected)
    }

    @Test("inline code spans are kept; an unmatched backtick is literal text", arguments: [
        ("use `a  b` and  `c   d`  now", "use `a  b` and `c   d` now"),
        ("``a ` b  c``  x  y", "``a ` b  c`` x y"),
        ("it`s  fine", "it`s fine"),
        ("`a  \n  b`   c", "`a  \n  b` c"),
        ("  `x  y`", "  `x  y`"),
        ("a `  `  b ``` c  d", "a `  ` b ``` c d"),
    ])
    func inlineCode(text: String, expected: String) {
        #expect(ProseWhitespace.collapsed(text) == expected)
        #expect(ProseWhitespace.collapsed(expected) == expected)
    }

    @Test("JSON and code as a whole are not prose", arguments: [
        #"{"a":  1,   "b": [1,  2]}"#,
        "  [1,  2,\n 3]  ",
        "#!/bin/sh\necho  hi",
        "int main() {\n    int  x = 1;\n    return  x;\n}",
        "body {\n  color:  red;\n}",
        "let  a = 1;\nlet b  = 2;\nprint(a  +  b)",
    ])
    func notProse(text: String) {
        #expect(!ProseWhitespace.isProse(text))
    }

    @Test("prose, including text that only looks like JSON or has a few code-like lines", arguments: [
        "Hello  there",
        "{not  json at all",
        "[1, 2] are  the numbers",
        "First  point;\nsecond point\nthird  point",
        "",
        "   \n\n",
    ])
    func isProse(text: String) {
        #expect(ProseWhitespace.isProse(text))
    }
}
