import Policy
import Testing

@Suite struct UntrustedTextTests {
    @Test(arguments: [
        ("Sign in with gh auth login.", "Sign in with gh auth login."),
        ("\u{1B}]0;pwned\u{07}\u{1B}[2J\u{1B}[31mSign in\u{1B}[0m", "Sign in"),
        ("\u{1B}]8;;http://evil.example\u{1B}\\click\u{1B}]8;;\u{1B}\\ here", "click here"),
        ("line one\r\nline two\tand\u{0}nul", "line one line two andnul"),
        ("  lots   of\n\n\nspace  ", "lots of space"),
        ("a\u{202E}txt.exe\u{202C}b", "atxt.exeb"),
        ("c1 \u{9B}31m control", "c1 31m control"),
        ("\u{1B}", ""),
        ("\u{1B}[", ""),
        ("naïve – ünïcode ✓", "naïve – ünïcode ✓"),
        ("para\u{2028}graph\u{2029}end", "para graph end"),
        ("zero\u{200B}width\u{FEFF}\u{2060}\u{061C}\u{E0041}\u{E007F}", "zerowidth"),
    ])
    func cleans(text: String, expected: String) {
        #expect(UntrustedText.clean(text) == expected)
    }

    @Test func capsTheLength() {
        #expect(UntrustedText.clean(String(repeating: "x", count: 10_000), limit: 20) == String(repeating: "x", count: 19) + "…")
        #expect(UntrustedText.clean(String(repeating: "x", count: 20), limit: 20) == String(repeating: "x", count: 20))
        #expect(UntrustedText.clean(String(repeating: "ab ", count: 10), limit: 6) == "ab ab…")
    }
}
