@testable import Gateway
import Testing

@Suite struct RefusalLogTests {
    @Test("the first refusal of a reason is logged, later ones within the interval are counted, the next line says how many")
    func oneLinePerInterval() {
        var log = RefusalLog(interval: .seconds(60))
        let start = ContinuousClock.now
        #expect(log.refusal(.unauthorized, at: start) == 1)
        #expect(log.refusal(.unauthorized, at: start + .seconds(1)) == nil)
        #expect(log.refusal(.unauthorized, at: start + .seconds(59)) == nil)
        #expect(log.refusal(.foreignHost, at: start + .seconds(2)) == 1, "reasons are counted apart")
        #expect(log.refusal(.unauthorized, at: start + .seconds(60)) == 3)
        #expect(log.refusal(.unauthorized, at: start + .seconds(61)) == nil)
        #expect(log.refusal(.unauthorized, at: start + .seconds(200)) == 2)
    }
}

@Suite struct BrowserGuardRulesTests {
    static let rules = BrowserGuard<GatewayRequestContext>.Rules(listenHost: "127.0.0.1", publicHosts: ["gw.example.net"])

    @Test(arguments: [
        ("127.0.0.1", true), ("127.0.0.1:4000", true), ("localhost", true), ("LocalHost:80", true),
        ("gw.example.net", true), ("GW.Example.NET.:443", true),
        ("evil.example", false), ("127.0.0.2", false), ("gw.example.net.evil.example", false), ("[::1]:4000", false),
        ("", false), ("127.0.0.1@evil.example", false),
    ])
    func hosts(host: String, allowed: Bool) {
        #expect(Self.rules.allows(host: host) == allowed)
    }

    @Test func anIPv6ListenAddressIsAllowedInBrackets() {
        let rules = BrowserGuard<GatewayRequestContext>.Rules(listenHost: "::1")
        #expect(rules.allows(host: "[::1]:4000"))
        #expect(rules.allows(host: "[::1]"))
        #expect(!rules.allows(host: "[::2]:4000"))
    }

    @Test(arguments: [
        ("application/json", true), ("application/json; charset=utf-8", true), ("Application/JSON", true),
        ("text/plain", false), ("application/x-www-form-urlencoded", false), ("application/jsonp", false), (nil, false),
        (" application/json\t; charset=utf-8", true), ("application\u{0F}json", false), ("\u{430}pplication/json", false),
    ] as [(String?, Bool)])
    func contentTypes(type: String?, json: Bool) {
        #expect(BrowserGuard<GatewayRequestContext>.isJSON(type) == json)
    }
}
