@testable import Gateway
import Testing

@Suite struct DashboardTokenTests {
    let token = DashboardToken("s3cret-token")!

    @Test(arguments: [
        ("Bearer s3cret-token", true),
        ("bearer s3cret-token", true),
        ("Bearer s3cret-tokem", false),
        ("Bearer s3cret-toke", false),
        ("Bearer s3cret-token ", false),
        ("s3cret-token", false),
        ("Basic s3cret-token", false),
        // The length difference is 256: folded into one byte it was 0, and NUL padding matched.
        ("Bearer s3cret-token" + String(repeating: "\u{0}", count: 256), false),
        ("Bearer s3cret-token" + String(repeating: "\u{0}", count: 512), false),
    ])
    func acceptsTheTokenAlone(authorization: String, accepted: Bool) {
        #expect(token.accepts(authorization: authorization) == accepted)
    }

    @Test func neverPrintsItself() {
        #expect("\(token)" == "<redacted>")
        #expect(String(reflecting: token) == "<redacted>")
    }
}
