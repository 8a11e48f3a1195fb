import Foundation
import Testing

@testable import Gateway

@Suite("RateLimitReset and UpstreamVerdict")
struct RateLimitResetTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func reset(_ headers: [(String, String)], body: String = "") -> TimeInterval? {
        RateLimitReset.until(headers: headers, body: body, now: now).map { $0.timeIntervalSince(now) }
    }

    @Test("an HTTP date is read by hand: RFC 9110's example, a leap day, and malformed ones refused")
    func httpDates() {
        #expect(RateLimitReset.httpDate("Sun, 06 Nov 1994 08:49:37 GMT") == Date(timeIntervalSince1970: 784_111_777))
        #expect(RateLimitReset.httpDate(" Tue, 29 Feb 2028 23:59:59 GMT ") == Date(timeIntervalSince1970: 1_835_481_599))
        for bad in ["Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 6 Nov 1994 08:49:37 GMT", "Sun, 06 Nox 1994 08:49:37 GMT", "Sun, 06 Nov 1994 24:00:00 GMT", "", "30"] {
            #expect(RateLimitReset.httpDate(bad) == nil, "\(bad)")
        }
    }

    @Test("each header style bridges use: Retry-After (seconds, HTTP date), retry-after-ms, x-ratelimit-reset-*, anthropic-ratelimit-*-reset")
    func headerStyles() {
        #expect(reset([("Retry-After", "30")]) == 30)
        #expect(reset([("Retry-After", "Fri, 15 Jan 2027 08:00:30 GMT")]) == 30)
        #expect(reset([("retry-after-ms", "1500")]) == 1.5)
        #expect(reset([("x-ratelimit-reset-requests", "1m30s")]) == 90)
        #expect(reset([("x-ratelimit-reset-tokens", "250ms")]) == 0.25)
        #expect(reset([("x-ratelimit-reset", "1800000120")]) == 120)  // epoch seconds
        #expect(reset([("anthropic-ratelimit-requests-reset", "2027-01-15T08:02:00Z")]) == 120)
    }

    @Test("of several resets, an exhausted limit's wins; else the latest")
    func severalResets() {
        let both = [("x-ratelimit-reset-requests", "2s"), ("x-ratelimit-reset-tokens", "6m0s")]
        #expect(reset(both) == 360)
        #expect(reset(both + [("x-ratelimit-remaining-requests", "0"), ("x-ratelimit-remaining-tokens", "5000")]) == 2)
        #expect(reset([
            ("anthropic-ratelimit-requests-reset", "2027-01-15T08:02:00Z"), ("anthropic-ratelimit-tokens-reset", "2027-01-15T09:00:00Z"),
            ("anthropic-ratelimit-requests-remaining", "0"),
        ]) == 120)
    }

    @Test("resets in the body: resets_at, resets_in_seconds, 'try again in …'")
    func bodyStyles() {
        #expect(reset([], body: #"{"error":{"type":"usage_limit_reached","resets_at":1800003600}}"#) == 3600)
        #expect(reset([], body: #"{"error":{"type":"usage_limit_reached","resets_in_seconds":42}}"#) == 42)
        #expect(reset([], body: #"{"error":{"message":"Rate limit reached for gpt-4o. Please try again in 1m30s."}}"#) == 90)
        #expect(reset([], body: #"{"message":"quota exceeded, retry after 5 minutes"}"#) == 300)
        #expect(reset([], body: #"{"error":{"message":"slow down"}}"#) == nil)
        #expect(RateLimitReset.duration("1h2m3.5s") == 3723.5)
        #expect(RateLimitReset.duration("fast") == nil)
    }

    @Test("a hostile reset is bounded: never infinite, NaN, past, or more than 32 days away (found by the upstream-answer fuzzer)")
    func hostileResets() {
        #expect(abs((reset([("Retry-After", "1e308")]) ?? 0) - 32 * 86400) < 0.01)
        #expect(reset([("Retry-After", "inf")]) == nil)
        #expect(reset([("Retry-After", "nan")]) == nil)
        #expect(reset([("Retry-After", "-5")]) == nil)
        #expect(reset([("retry-after-ms", "-1e400")]) == nil)
        #expect(abs((reset([], body: #"{"resets_at": 1e300}"#) ?? 0) - 32 * 86400) < 0.01)
        #expect(abs((reset([], body: "try again in 99999999999h") ?? 0) - 32 * 86400) < 0.01)
        let verdict = UpstreamVerdict.classify(status: 429, headers: [("Retry-After", "nan")], body: "", model: "m", now: now)
        #expect(verdict == .limited(until: now.addingTimeInterval(UpstreamVerdict.defaultCoolDown), modelOnly: false))
    }

    func verdict(_ status: Int, _ body: String = "", model: String = "gpt-a") -> UpstreamVerdict {
        UpstreamVerdict.classify(status: status, headers: [("Retry-After", "10")], body: body, model: model, now: now)
    }

    @Test("verdicts: limits, sign-in trouble, unwell, failed, and the client's own mistakes")
    func verdicts() {
        let in10 = now.addingTimeInterval(10)
        #expect(verdict(429) == .limited(until: in10, modelOnly: false))
        #expect(verdict(402, #"{"error":{"message":"premium requests used up"}}"#) == .limited(until: in10, modelOnly: false))
        #expect(verdict(429, #"{"error":{"message":"Rate limit reached for gpt-a"}}"#) == .limited(until: in10, modelOnly: true))
        #expect(verdict(500, #"{"error":{"message":"quota exceeded"}}"#) == .limited(until: in10, modelOnly: false))
        #expect(verdict(401) == .authRequired)
        #expect(verdict(500, #"{"error":{"message":"Authentication Error, No api key passed in."}}"#) == .authRequired)
        #expect(verdict(503) == .unwell)
        #expect(verdict(502) == .unwell)
        #expect(verdict(504) == .unwell)
        #expect(verdict(500, #"{"error":{"message":"boom"}}"#) == .failed)
        #expect(verdict(400, #"{"error":{"message":"max_tokens: rate limit of the request"}}"#) == .refused)
        #expect(verdict(404) == .refused)
        #expect(verdict(422) == .refused)
    }
}
