import Policy
import Testing

/// What the policy must answer for one spelling: allowed (with the address requested on the
/// wire) or refused by a rule.
enum Expected: Sendable, CustomStringConvertible {
    case allowed(String)
    case refused(Refusal.Rule)

    var description: String {
        switch self {
        case .allowed(let wire): "allowed as \(wire)"
        case .refused(let rule): "refused by \(rule.rawValue)"
        }
    }
}

let bindCases: [(String, Expected)] = [
    // Loopback IPv4, the only class allowed without an exception.
    ("127.0.0.1:4000", .allowed("127.0.0.1:4000")),
    ("127.0.0.2:4000", .allowed("127.0.0.2:4000")),
    ("127.255.255.254:1", .allowed("127.255.255.254:1")),
    ("127.0.0.1:65535", .allowed("127.0.0.1:65535")),
    ("localhost:4000", .allowed("127.0.0.1:4000")),
    // Loopback IPv6, bracketed, in RFC 4291 spellings.
    ("[::1]:4000", .allowed("[::1]:4000")),
    ("[0:0:0:0:0:0:0:1]:4000", .allowed("[::1]:4000")),
    ("[0000:0000:0000:0000:0000:0000:0000:0001]:4000", .allowed("[::1]:4000")),
    ("[::0:1]:4000", .allowed("[::1]:4000")),
    // Unspecified, in every spelling.
    ("0.0.0.0:4000", .refused(.unspecified)),
    ("[::]:4000", .refused(.unspecified)),
    ("[0:0:0:0:0:0:0:0]:4000", .refused(.unspecified)),
    ("*:4000", .refused(.unspecified)),
    (":4000", .refused(.unspecified)),
    ("0:4000", .refused(.unspecified)),
    ("0.1.2.3:4000", .refused(.unspecified)),
    ("::", .refused(.unbracketedIPv6)),
    // IPv4-mapped and IPv4-compatible forms hide the real address.
    ("[::ffff:0.0.0.0]:4000", .refused(.ipv4Mapped)),
    ("[::ffff:192.168.1.5]:4000", .refused(.ipv4Mapped)),
    ("[::ffff:127.0.0.1]:4000", .refused(.ipv4Mapped)),
    ("[::ffff:7f00:1]:4000", .refused(.ipv4Mapped)),
    ("[::127.0.0.1]:4000", .refused(.ipv4Mapped)),
    // Private ranges and their edges.
    ("10.0.0.1:4000", .refused(.privateNetwork)),
    ("10.255.255.255:4000", .refused(.privateNetwork)),
    ("172.16.0.1:4000", .refused(.privateNetwork)),
    ("172.31.255.255:4000", .refused(.privateNetwork)),
    ("172.15.255.255:4000", .refused(.publicAddress)),
    ("172.32.0.0:4000", .refused(.publicAddress)),
    ("192.168.1.5:4000", .refused(.privateNetwork)),
    ("192.169.0.1:4000", .refused(.publicAddress)),
    // CGNAT / Tailscale.
    ("100.64.0.1:4000", .refused(.sharedAddressSpace)),
    ("100.101.102.103:4000", .refused(.sharedAddressSpace)),
    ("100.127.255.255:4000", .refused(.sharedAddressSpace)),
    ("100.128.0.0:4000", .refused(.publicAddress)),
    // Link-local and ULA.
    ("169.254.169.254:80", .refused(.linkLocal)),
    ("[fe80::1]:4000", .refused(.linkLocal)),
    ("[febf::1]:4000", .refused(.linkLocal)),
    ("[fc00::1]:4000", .refused(.uniqueLocal)),
    ("[fd12:3456:789a::1]:4000", .refused(.uniqueLocal)),
    // Public, multicast, reserved.
    ("8.8.8.8:53", .refused(.publicAddress)),
    ("1.1.1.1:4000", .refused(.publicAddress)),
    ("[2001:db8::1]:4000", .refused(.publicAddress)),
    ("[2606:4700::1111]:443", .refused(.publicAddress)),
    ("224.0.0.1:4000", .refused(.multicast)),
    ("[ff02::1]:4000", .refused(.multicast)),
    ("255.255.255.255:4000", .refused(.reserved)),
    ("240.0.0.1:4000", .refused(.reserved)),
    // Odd numeric spellings are ambiguous, never guessed.
    ("2130706433:4000", .refused(.ambiguousNumeric)),
    ("0x7f.1:4000", .refused(.ambiguousNumeric)),
    ("0x7f000001:4000", .refused(.ambiguousNumeric)),
    ("127.1:4000", .refused(.ambiguousNumeric)),
    ("127.0.1:4000", .refused(.ambiguousNumeric)),
    ("0177.0.0.1:4000", .refused(.ambiguousNumeric)),
    ("127.000.000.001:4000", .refused(.ambiguousNumeric)),
    ("127.0.0.01:4000", .refused(.ambiguousNumeric)),
    ("127.0.0.256:4000", .refused(.ambiguousNumeric)),
    ("127.0.0.1.5:4000", .refused(.ambiguousNumeric)),
    // Host names other than localhost.
    ("example.com:4000", .refused(.hostname)),
    ("gateway:4000", .refused(.hostname)),
    ("localhost.:4000", .refused(.hostname)),
    ("LOCALHOST:4000", .refused(.hostname)),
    ("localhost.localdomain:4000", .refused(.hostname)),
    ("ip6-localhost:4000", .refused(.hostname)),
    // Zone ids, whitespace, malformed.
    ("[fe80::1%eth0]:4000", .refused(.zoneID)),
    ("[::1%lo]:4000", .refused(.zoneID)),
    (" 127.0.0.1:4000", .refused(.whitespace)),
    ("127.0.0.1:4000 ", .refused(.whitespace)),
    ("127.0.0.1 :4000", .refused(.whitespace)),
    ("127.0.0.1:4000\n", .refused(.whitespace)),
    ("127.0.0.1:\t4000", .refused(.whitespace)),
    ("", .refused(.malformed)),
    ("[::1:4000", .refused(.malformed)),
    ("[::1]4000", .refused(.malformed)),
    ("[127.0.0.1]:4000", .refused(.malformed)),
    ("[1:2:3:4:5:6:7:8:9]:4000", .refused(.malformed)),
    ("[1::2::3]:4000", .refused(.malformed)),
    ("[:::1]:4000", .refused(.malformed)),
    ("[12345::1]:4000", .refused(.malformed)),
    ("[g::1]:4000", .refused(.malformed)),
    ("exa_mple:4000", .refused(.malformed)),
    // IPv6 with a port must be bracketed.
    ("::1:4000", .refused(.unbracketedIPv6)),
    ("::1", .refused(.unbracketedIPv6)),
    ("fe80::1:4000", .refused(.unbracketedIPv6)),
    // Ports.
    ("127.0.0.1:0", .refused(.port)),
    ("127.0.0.1:65536", .refused(.port)),
    ("127.0.0.1:99999", .refused(.port)),
    ("127.0.0.1:", .refused(.port)),
    ("127.0.0.1", .refused(.port)),
    ("127.0.0.1:04000", .refused(.port)),
    ("127.0.0.1:+4000", .refused(.port)),
    ("127.0.0.1:-1", .refused(.port)),
    ("127.0.0.1:0x50", .refused(.port)),
    ("[::1]:0", .refused(.port)),
    ("[::1]", .refused(.port)),
]

@Suite struct BindRuleTests {
    @Test(arguments: bindCases)
    func verdict(spelling: String, expected: Expected) {
        expectVerdict(ExposurePolicy(source: "test").check(bind: spelling), expected, for: spelling)
    }

    @Test func tableCoversAtLeastSixtySpellings() {
        #expect(Set(bindCases.map(\.0)).count >= 60)
    }

    @Test(arguments: [
        ("http://127.0.0.1:3353", Expected.allowed("127.0.0.1:3353")),
        ("https://localhost", .allowed("127.0.0.1:443")),
        ("http://[::1]:8080/base/", .allowed("[::1]:8080")),
        ("http://127.0.0.1", .allowed("127.0.0.1:80")),
        ("ftp://127.0.0.1:21", .refused(.scheme)),
        ("HTTP://127.0.0.1:80", .refused(.scheme)),
        ("127.0.0.1:3353", .refused(.malformed)),
        ("http://user:secret@127.0.0.1:3353", .refused(.credentialsInURL)),
        ("http://127.0.0.1:3353/?token=abc", .refused(.malformed)),
        ("http://0.0.0.0:3353", .refused(.unspecified)),
        ("http://192.168.1.5:3353", .refused(.privateNetwork)),
        ("http://bridge.local:3353", .refused(.hostname)),
        ("http://127.1:3353", .refused(.ambiguousNumeric)),
        ("http://[::ffff:127.0.0.1]:3353", .refused(.ipv4Mapped)),
        ("http://127.0.0.1:0", .refused(.port)),
    ])
    func bridgeURL(url: String, expected: Expected) {
        expectVerdict(ExposurePolicy(source: "test").check(url: url), expected, for: url)
    }

    @Test func credentialsInAURLAreNeverQuoted() {
        guard case .refused(let refusal) = ExposurePolicy(source: "test").check(url: "http://admin:hunter2@127.0.0.1:1") else {
            Issue.record("a URL with credentials was not refused")
            return
        }
        #expect(!refusal.message.contains("hunter2"))
        #expect(!refusal.fix.contains("hunter2"))
    }

    @Test(arguments: [
        ("::1", "::1"), ("0:0:0:0:0:0:0:1", "::1"), ("2001:DB8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
        ("2001:db8:0:0:0:0:2:1", "2001:db8::2:1"), ("1:0:0:2:0:0:0:3", "1:0:0:2::3"), ("fe80::", "fe80::"),
    ])
    func ipv6IsPrintedCanonically(text: String, canonical: String) {
        #expect(IPAddress(text)?.description == canonical)
    }

    /// Checks a verdict against the expected outcome; every refusal must carry a fix.
    private func expectVerdict(_ verdict: BindVerdict, _ expected: Expected, for input: String) {
        switch (verdict, expected) {
        case (.allowed(let address), .allowed(let wire)):
            #expect(address.description == wire)
        case (.refused(let refusal), .refused(let rule)):
            #expect(refusal.rule == rule, "\(input.debugDescription): \(refusal.message)")
            #expect(!refusal.fix.isEmpty)
        default:
            Issue.record("\(input.debugDescription): got \(verdict), expected \(expected)")
        }
    }
}
