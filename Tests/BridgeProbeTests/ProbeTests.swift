import BridgeProbe
import CurlHTTP
import Foundation
import Testing
import TestSupport

/// Probes with libcurl against real HTTP servers on loopback playing each bridge state.
@Suite("Probes against real servers")
struct ProbeTests {
    static func target(_ url: String, path: String = "/v1/models", timeout: Duration = .seconds(2), throughTunnel: Bool = false) -> ProbeTarget {
        ProbeTarget(name: "b", baseURL: url, path: path, interval: .seconds(10), timeout: timeout, throughTunnel: throughTunnel)
    }

    @Test("a bridge that answers 200 is live, with connect, first-byte and total timings in order")
    func live() throws {
        let server = try StubHTTPServer(reply: .respond(status: 200, body: #"{"data":[]}"#))
        let result = Self.target(server.url).probe()
        #expect(result.verdict.state == .live)
        #expect(result.verdict.httpStatus == 200)
        let timings = result.timings
        let connect = try #require(timings.connectMs)
        let firstByte = try #require(timings.firstByteMs)
        let total = try #require(timings.totalMs)
        #expect(connect <= firstByte && firstByte <= total)
        #expect(timings.tlsMs == nil)
        #expect(server.requests.map(\.method) == ["GET"])
        #expect(server.requests.map(\.path) == ["/v1/models"])
    }

    @Test("401 with a JSON auth_required body is auth_required, keeping the bridge's message")
    func unauthorized() throws {
        let server = try StubHTTPServer(reply: .respond(
            status: 401, body: #"{"status":"auth_required","message":"Set MICROSOFT_CLIENT_ID or M365_COPILOT_ACCESS_TOKEN."}"#))
        let verdict = Self.target(server.url, path: "/health").probe().verdict
        #expect(verdict.state == .authRequired)
        #expect(verdict.message == "Set MICROSOFT_CLIENT_ID or M365_COPILOT_ACCESS_TOKEN.")
        #expect(verdict.reason == "GET /health answered 401")
    }

    @Test("200 whose body says auth_required is auth_required", arguments: [
        #"{"status":"auth_required","message":"Sign in with gh auth login."}"#,
        #"{"state":"auth_required","hint":"Sign in with gh auth login."}"#,
        #"{"error":{"code":"auth_required","message":"Sign in with gh auth login."}}"#,
    ])
    func bodySaysAuthRequired(body: String) throws {
        let server = try StubHTTPServer(reply: .respond(status: 200, body: body))
        let verdict = Self.target(server.url).probe().verdict
        #expect(verdict.state == .authRequired)
        #expect(verdict.message == "Sign in with gh auth login.")
    }

    @Test("a bridge behind a key (LiteLLM): 401 without it is auth_required in its own words; a 500 about sign-in is too; the key goes with the probe")
    func protectedBridge() throws {
        let server = try StubHTTPServer(reply: .respond(
            status: 401, body: #"{"error":{"message":"Authentication Error, No api key passed in.","type":"auth_error","code":"401"}}"#))
        let unauthorized = Self.target(server.url).probe().verdict
        #expect(unauthorized.state == .authRequired)
        #expect(unauthorized.message == "Authentication Error, No api key passed in.")
        server.reply = .respond(status: 500, body: #"{"error":{"message":"Failed to refresh the token: not logged in to GitHub"}}"#)
        let failedSignIn = Self.target(server.url).probe().verdict
        #expect(failedSignIn.state == .authRequired)
        #expect(failedSignIn.reason.contains("500"))
        server.reply = .respond(status: 500, body: #"{"error":{"message":"boom"}}"#)
        #expect(Self.target(server.url).probe().verdict.state == .degraded)

        server.reply = .respond(status: 200, body: #"{"data":[]}"#)
        var target = Self.target(server.url)
        target.headers = ["Authorization": "Bearer sk-litellm-1", "X-Team": "infra"]
        #expect(target.probe().verdict.state == .live)
        let sent = try #require(server.requests.last?.headers)
        #expect(sent.first { $0.key.lowercased() == "authorization" }?.value == "Bearer sk-litellm-1")
        #expect(sent.first { $0.key.lowercased() == "x-team" }?.value == "infra")
        #expect(!"\(target)".contains("sk-litellm-1") && !String(reflecting: target).contains("sk-litellm-1"))
    }

    @Test("5xx is degraded; 404 is degraded with a hint about the probe path; 429 says rate limited")
    func errors() throws {
        let server = try StubHTTPServer(reply: .respond(status: 503, body: #"{"error":{"message":"upstream overloaded"}}"#))
        let unavailable = Self.target(server.url).probe().verdict
        #expect(unavailable.state == .degraded)
        #expect(unavailable.reason == "GET /v1/models answered 503")
        #expect(unavailable.message == "upstream overloaded")
        server.reply = .respond(status: 404, body: "not found", contentType: "text/plain")
        let missing = Self.target(server.url, path: "/healthz").probe().verdict
        #expect(missing.state == .degraded)
        #expect(missing.reason.contains("[bridges.probe] path"))
        server.reply = .respond(status: 429, body: "{}")
        #expect(Self.target(server.url).probe().verdict.reason.contains("rate limited"))
    }

    @Test("nobody listening: down, connection refused; through a tunnel: tunnel_down")
    func refused() throws {
        let port = try TestSSHD.freePort()
        let direct = Self.target("http://127.0.0.1:\(port)").probe()
        #expect(direct.verdict.state == .down)
        #expect(direct.verdict.reason.contains("connection refused"))
        #expect(direct.timings.connectMs == nil)
        let tunnelled = Self.target("http://127.0.0.1:\(port)", throughTunnel: true).probe().verdict
        #expect(tunnelled.state == .tunnelDown)
        #expect(tunnelled.reason.contains("refuses connections"))
    }

    @Test("accepted, then closed with no reply: down, and the reason tells it from a refusal")
    func closedWithoutReply() throws {
        let server = try StubHTTPServer(reply: .closeWithoutReply)
        let verdict = Self.target(server.url).probe().verdict
        #expect(verdict.state == .down)
        #expect(verdict.reason.contains("accepted, then closed with no reply"))
        let tunnelled = Self.target(server.url, throughTunnel: true).probe().verdict
        #expect(tunnelled.state == .down)
        #expect(tunnelled.reason.contains("nothing answers behind it"))
    }

    @Test("connected but silent past the timeout: degraded, connect time recorded")
    func silent() throws {
        let server = try StubHTTPServer(reply: .silent)
        defer { server.stop() }
        let result = Self.target(server.url, timeout: .milliseconds(300)).probe()
        #expect(result.verdict.state == .degraded)
        #expect(result.verdict.reason.contains("no answer in time"))
        #expect(result.timings.connectMs != nil)
        #expect(result.timings.firstByteMs == nil)
    }

    @Test("only http and https URLs are fetched")
    func otherSchemesRefused() {
        let verdict = Self.target("file:///etc").probe().verdict
        #expect(verdict.state == .down)
    }
}
