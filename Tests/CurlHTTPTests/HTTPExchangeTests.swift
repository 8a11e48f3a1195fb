import CurlHTTP
import Testing
import TestSupport

/// libcurl exchanges against a real loopback server.
@Suite struct HTTPExchangeTests {
    @Test("a POST carries its headers and body; the answer comes back cut to maxResponseBytes")
    func postAndCap() throws {
        let server = try StubHTTPServer(reply: .respond(status: 201, body: String(repeating: "z", count: 5000), contentType: "text/plain"))
        let outcome = HTTPExchange.perform(
            HTTPRequest(
                method: .post, url: server.url + "/hook", headers: [("Content-Type", "application/json"), ("X-Event", "opened")],
                body: Array(#"{"a":1}"#.utf8), timeout: .seconds(5), maxResponseBytes: 100))
        guard case .response(let status, let contentType, let body) = outcome.result else {
            Issue.record("no response: \(outcome.result)")
            return
        }
        #expect(status == 201)
        #expect(contentType?.hasPrefix("text/plain") == true)
        #expect(body.count == 100)
        let request = try #require(server.requests.first)
        #expect(request.method == "POST")
        #expect(request.path == "/hook")
        #expect(request.body == #"{"a":1}"#)
        #expect(request.headers.first { $0.key.lowercased() == "x-event" }?.value == "opened")
        #expect((outcome.timings.totalMs ?? 0) > 0)
    }

    @Test("a failure names the host, never the URL's path or query (a webhook's token)")
    func failureHidesTheURL() throws {
        let port = try TestSSHD.freePort()
        let outcome = HTTPExchange.perform(HTTPRequest(url: "http://127.0.0.1:\(port)/hook/SECRET-PATH?token=SECRET-QUERY", timeout: .seconds(5)))
        guard case .failure(let failure) = outcome.result else {
            Issue.record("expected a refusal: \(outcome.result)")
            return
        }
        #expect(failure.kind == .refused)
        #expect(!failure.detail.contains("SECRET"), "\(failure.detail)")
    }
}
