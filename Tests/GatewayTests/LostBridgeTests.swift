import AsyncHTTPClient
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import NIOCore
import NIOHTTP1
import Platform
import Testing
import TestSupport

@testable import Gateway

/// A bridge found lost (its tunnel dead) fails what is in flight with it at once: a dead tunnel's
/// connections go silent rather than break, so without this a request hangs until the read
/// timeout. Before the first byte the request moves on to the next route; a stream ends with an
/// error event.
@Suite("Exchanges in flight with a lost bridge")
struct LostBridgeTests {
    typealias Gateway = GatewayRouterTests

    static func health() -> RouteHealth {
        var logger = Logger(label: "lost-bridge-test")
        logger.logLevel = .critical
        return RouteHealth(logger: logger)
    }

    /// Waits (off the cooperative pool) until `bridge` has received `count` requests. The bound is
    /// generous: the blocking integration suites running alongside can hold the cooperative pool
    /// for many seconds, and the request cannot start before they let go.
    static func waitForRequests(_ bridge: FakeBridge, _ count: Int) async throws {
        try await BlockingWork.run("wait-for-request") {
            try Wait.until("\(count) request(s) at the bridge", timeout: .seconds(60)) { bridge.requests.count >= count }
        }
    }

    @Test("a request waiting on a silent bridge that is lost moves on to the next route; with none left it is 503 tunnel_down")
    func waitingRequestFailsOver() async throws {
        let a = try FakeOpenAIBridge()
        a.failure = .silent
        let b = try FakeOpenAIBridge()
        let health = Self.health()
        try await Gateway.withGateway(bridges: [a, b], routes: ["a", "b"], health: health) { client in
            async let answer = client.execute(uri: "/v1/chat/completions", method: .post, headers: Gateway.json, body: Gateway.chat("gpt-test")) {
                ($0.status, String(buffer: $0.body))
            }
            try await Self.waitForRequests(a, 1)
            health.lost("a", code: "tunnel_down", reason: "tunnel home is down")
            let (status, body) = try await answer
            #expect(status == .ok, "\(body)")
            #expect(b.requests.filter { $0.method == "POST" }.count == 1)
        }
        #expect(health.conditions().isEmpty, "a lost bridge is its state's business, not a tripped circuit")

        let c = try FakeOpenAIBridge()
        c.failure = .silent
        try await Gateway.withGateway(bridges: [c], routes: ["a"], health: health) { client in
            async let answer = client.execute(uri: "/v1/chat/completions", method: .post, headers: Gateway.json, body: Gateway.chat("gpt-test")) {
                ($0.status, Gateway.errorCode($0), String(buffer: $0.body))
            }
            try await Self.waitForRequests(c, 1)
            health.lost("a", code: "tunnel_down", reason: "tunnel home is down")
            let (status, code, body) = try await answer
            #expect(status == .serviceUnavailable)
            #expect(code == "tunnel_down")
            #expect(body.contains("tunnel home is down"), "\(body)")
        }
    }

    @Test("a stream from a bridge that is lost mid-stream ends at once with an error event naming why")
    func streamEnds() async throws {
        let a = try FakeOpenAIBridge()
        a.pauseAfterFirstChunk = .seconds(120)
        let health = Self.health()
        try await Gateway.withGateway(bridges: [a], routes: ["a"], health: health, live: true) { client in
            let port = try #require(client.port)
            let http = HTTPClient(eventLoopGroupProvider: .singleton)
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/chat/completions")
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: #"{"model":"gpt-test","stream":true,"messages":[{"role":"user","content":"hi"}]}"#))
            let response = try await http.execute(request, timeout: .seconds(30))
            #expect(response.status == .ok)
            var pieces = response.body.makeAsyncIterator()
            var text = String(buffer: try #require(try await pieces.next()))
            // The first event has reached the client: the relay is reading the stream now.
            health.lost("a", code: "tunnel_down", reason: "tunnel home is down")
            while let piece = try await pieces.next() { text += String(buffer: piece) }
            try await http.shutdown()
            #expect(text.contains("tunnel home is down"), "\(text)")
        }
        a.resumePausedStreams()
    }
}
