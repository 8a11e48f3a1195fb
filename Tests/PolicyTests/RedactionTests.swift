import Policy
import Testing

@Suite struct RedactionTests {
    @Test(arguments: [
        ("http://127.0.0.1:3253", "http://127.0.0.1:3253"),
        ("http://ops:PASSWORD@127.0.0.1:3253/v1", "http://***@127.0.0.1:3253/v1"),
        ("http://token@127.0.0.1", "http://***@127.0.0.1"),
        ("http://a:b@c@127.0.0.1", "http://***@127.0.0.1"),
        ("http://127.0.0.1:3253/?token=abc&x", "http://127.0.0.1:3253/?token=***&x"),
        ("https://ntfy.example.net/topic?auth=tk_1&b=2", "https://ntfy.example.net/topic?auth=***&b=***"),
        ("https://u:p@example.net/path#frag", "https://***@example.net/path#***"),
        ("not a url", "not a url"),
        ("ops:pw@127.0.0.1:80", "***@127.0.0.1:80"),
    ])
    func urls(text: String, expected: String) {
        #expect(Redaction.url(text) == expected)
    }
}
