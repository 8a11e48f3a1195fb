import TOML
import Testing

@Suite struct TOMLDocumentTests {
    @Test func valuesKeepTheirLines() throws {
        let document = try TOMLDocument(parsing: """
            # comment
            title = "bridge\\tkeeper \\u00E9"
            count = 1_000
            hex = 0xff
            ratio = 2.5e-1
            on = true
            paths = [
              "a", # first
              'b\\c',
            ]

            [gateway]
            listen = "127.0.0.1:4000"

            [[tunnels]]
            name = "one"
              [[tunnels.forwards]]
              listen = "127.0.0.1:1"
              [[tunnels.forwards]]
              listen = "127.0.0.1:2"

            [[tunnels]]
            name = "two"
            price = { input = 0.25, output.usd = 2 }
            text = \"\"\"
            line one
            line two\"\"\"
            """)
        let root = document.root
        #expect(root["title"] == TOMLValue(.string("bridge\tkeeper é"), line: 2))
        #expect(root["count"] == TOMLValue(.integer(1000), line: 3))
        #expect(root["hex"] == TOMLValue(.integer(255), line: 4))
        #expect(root["ratio"] == TOMLValue(.float(0.25), line: 5))
        #expect(root["on"] == TOMLValue(.boolean(true), line: 6))
        #expect(root["paths"] == TOMLValue(.array([TOMLValue(.string("a"), line: 8), TOMLValue(.string("b\\c"), line: 9)]), line: 7))
        guard case .table(let gateway)? = root["gateway"]?.kind else { Issue.record("no gateway table"); return }
        #expect(gateway.line == 12)
        #expect(gateway["listen"]?.line == 13)
        guard case .array(let tunnels)? = root["tunnels"]?.kind, tunnels.count == 2,
            case .table(let first) = tunnels[0].kind, case .table(let second) = tunnels[1].kind,
            case .array(let forwards)? = first["forwards"]?.kind
        else { Issue.record("tunnels not read as an array of tables"); return }
        #expect(tunnels.map(\.line) == [15, 22])
        #expect(forwards.map(\.line) == [17, 19])
        #expect(second["text"]?.kind == .string("line one\nline two"))
        guard case .table(let price)? = second["price"]?.kind, case .table(let output)? = price["output"]?.kind else {
            Issue.record("inline table not read"); return
        }
        #expect(output["usd"]?.kind == .integer(2))
        #expect(root.keys == ["title", "count", "hex", "ratio", "on", "paths", "gateway", "tunnels"])
    }

    @Test(arguments: [
        ("a = 1\na = 2", 2, "duplicate key 'a'"),
        ("[t]\nx = 1\n[t]", 3, "already defined at line 1"),
        ("a = \"unterminated", 1, "unterminated string"),
        ("a = 1 b = 2", 1, "expected the end of the line"),
        ("a = hello", 1, "strings need quotes"),
        ("a = 2024-01-01", 1, "date-time values are not supported"),
        ("a = 01", 1, "not a valid value"),
        ("a = [1, 2", 1, "expected ',' or ']'"),
        ("a = { b = 1", 1, "expected ',' or '}'"),
        ("\n\n= 3", 3, "expected a key"),
        ("a = \"\\q\"", 1, "invalid escape"),
        ("a = 1\n[a]", 2, "already defined at line 1"),
        ("[[t]]\n[t]", 2, "already defined"),
        ("a = 1_", 1, "not a valid value"),
        ("a = \"x\u{01}\"", 1, "control character"),
        ("a = " + String(repeating: "[", count: 100_000), 1, "deeper than 64 levels"),
        ("a = " + String(repeating: "{b = ", count: 100_000), 1, "deeper than 64 levels"),
        ("[" + Array(repeating: "k", count: 100_000).joined(separator: ".") + "]", 1, "deeper than 64 levels"),
        ("a = " + String(repeating: "{ b.c.d.e.f.g.h.i = ", count: 10), 1, "deeper than 64 levels"),
    ])
    func errorsNameTheLine(text: String, line: Int, fragment: String) {
        #expect {
            try TOMLDocument(parsing: text)
        } throws: { error in
            guard let error = error as? TOMLParseError else { return false }
            return error.line == line && error.message.contains(fragment)
        }
    }

    @Test func nestingUpToTheLimitParses() throws {
        let text = "a = " + String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(throws: Never.self) { try TOMLDocument(parsing: text) }
    }
}
