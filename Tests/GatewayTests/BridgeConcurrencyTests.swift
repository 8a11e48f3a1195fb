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

/// Many requests in flight at one bridge: they are not limited by a connection pool (a team's
/// agents hold hundreds of streams), and a bridge's own `max_connections`, when reached, is the
/// gateway's refusal — `bridge_saturated` with `Retry-After` — never the bridge's failure.
@Suite("Many requests at one bridge")
struct BridgeConcurrencyTests {
    typealias Gateway = GatewayRouterTests

    /// Opens a stream through the gateway on `port` and reads it to its end; the text it got.
    static func stream(_ http: HTTPClient, port: Int) async throws -> (HTTPResponseStatus, String) {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/chat/completions")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: #"{"model":"gpt-test","stream":true,"messages":[{"role":"user","content":"hi"}]}"#))
        let response = try await http.execute(request, timeout: .seconds(120))
        var text = ""
        for try await piece in response.body { text += String(buffer: piece) }
        return (response.status, text)
    }

    /// A client whose own pool does not limit the test.
    static func client() -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 1000
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    @Test("150 streams at once all reach the bridge and complete (the pool was capped at 64; the 65th failed as bridge_down)")
    func manyStreamsAtOnce() async throws {
        OpenFileLimit.raise()
        let count = 150
        let a = try FakeOpenAIBridge()
        a.pauseAfterFirstChunk = .seconds(120)
        let health = LostBridgeTests.health()
        try await Gateway.withGateway(bridges: [a], routes: ["a"], health: health, live: true) { client in
            let port = try #require(client.port)
            let http = Self.client()
            try await withThrowingTaskGroup(of: (HTTPResponseStatus, String).self) { group in
                for _ in 0..<count { group.addTask { try await Self.stream(http, port: port) } }
                // Every stream is at the bridge at once, each held after its first event.
                let allThere = await a.waitUntilFirstChunkSent(count: count, timeout: .seconds(90))
                #expect(allThere, "\(a.firstChunksSent) of \(count) streams reached the bridge")
                #expect(health.exchanges.counts().first?.open == count)
                a.resumePausedStreams()
                var completed = 0
                for try await (status, text) in group {
                    #expect(status == .ok)
                    if text.contains("data: [DONE]") { completed += 1 }
                }
                #expect(completed == count)
            }
            try await http.shutdown()
        }
        #expect(health.conditions().isEmpty)
    }

    @Test("a bridge at its max_connections: the next request is 503 bridge_saturated with Retry-After, the bridge is not blamed, and it serves again once one ends")
    func saturatedIsNotDown() async throws {
        let a = try FakeOpenAIBridge()
        a.pauseAfterFirstChunk = .seconds(120)
        let health = LostBridgeTests.health()
        try await Gateway.withGateway(bridges: [a], routes: ["a"], health: health, live: true, maxConnections: ["a": 2]) { client in
            let port = try #require(client.port)
            let http = Self.client()
            async let first = Self.stream(http, port: port)
            async let second = Self.stream(http, port: port)
            #expect(await a.waitUntilFirstChunkSent(count: 2, timeout: .seconds(60)))

            let refused = try await client.execute(uri: "/v1/chat/completions", method: .post, headers: Gateway.json, body: Gateway.chat("gpt-test")) {
                ($0.status, Gateway.errorCode($0), $0.headers[.retryAfter], String(buffer: $0.body))
            }
            #expect(refused.0 == .serviceUnavailable)
            #expect(refused.1 == "bridge_saturated", "\(refused.3)")
            #expect(refused.2 == "1")
            #expect(refused.3.contains("max_connections"), "\(refused.3)")
            #expect(health.conditions().isEmpty, "saturation is not the bridge's failure: no circuit opens")
            #expect(health.exchanges.counts() == [InFlightExchanges.Count(bridge: "a", open: 2, saturated: 1)])

            a.resumePausedStreams()
            #expect(try await first.1.contains("data: [DONE]"))
            #expect(try await second.1.contains("data: [DONE]"))
            try await http.shutdown()
            // The relays release their exchanges as they end, just after the client read the last byte.
            try await BlockingWork.run("wait-for-release") {
                try Wait.until("both exchanges released", timeout: .seconds(30)) { health.exchanges.counts().first?.open == 0 }
            }
            let served = try await client.execute(uri: "/v1/chat/completions", method: .post, headers: Gateway.json, body: Gateway.chat("gpt-test")) { $0.status }
            #expect(served == .ok)
        }
    }
}
