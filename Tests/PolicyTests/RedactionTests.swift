import Policy
import Testing

@Suite struct RedactionTests {
    @Test(arguments: [
        ("http://127.0.0.1:3253", false, "http://127.0.0.1:3253"),
        ("http://ops:PASSWORD@127.0.0.1:3253/v1", false, "http://***@127.0.0.1:3253/v1"),
        ("http://token@127.0.0.1", false, "http://***@127.0.0.1"),
        ("http://a:b@c@127.0.0.1", false, "http://***@127.0.0.1"),
        ("http://127.0.0.1:3253/?token=abc&x", false, "http://127.0.0.1:3253/?token=***&x"),
        ("https://ntfy.example.net/secret-topic?auth=tk_1", true, "https://ntfy.example.net/***?auth=***"),
        ("https://hooks.slack.com/services/T0/B0/XXXX", true, "https://hooks.slack.com/***"),
        ("https://example.net/", true, "https://example.net/"),
        ("https://u:p@example.net/path#frag", false, "https://***@example.net/path#***"),
        ("not a url", false, "not a url"),
    ])
    func urls(text: String, path: Bool, expected: String) {
        #expect(Redaction.url(text, path: path) == expected)
    }

    @Test func authorization() {
        #expect(Redaction.authorization("Bearer sk-live-123") == "Bearer ***")
        #expect(Redaction.authorization("sk-live-123") == "***")
    }
}
