import Foundation
import Testing
import TestSupport
import TunnelManager

@Suite("Reverse tunnels through a real sshd", .serialized)
struct ReverseTunnelTests {
    @Test("carries HTTP, streamed responses included, on a loopback-only listener that proves it is ours")
    func carriesHTTP() throws {
        let target = try TargetServer(.http)
        let running = try TunnelFixture.upReverseTunnel(to: target.port)
        defer { running.manager.shutdown() }
        #expect(running.sshd.listeners(port: running.port) == ["127.0.0.1"])

        let plain = try TestClient.httpGet(port: running.port, path: "/")
        #expect(plain.status == 200)
        #expect(String(decoding: plain.body, as: UTF8.self) == "hello")

        let stream = try TestClient.httpGet(port: running.port, path: "/stream")
        let events = (1...5).map { "data: \($0)\n\n" }.joined()
        #expect(String(decoding: stream.body, as: UTF8.self) == events)
        // Five events 50 ms apart arrive in several reads, not as one buffered block.
        #expect(stream.chunks.count >= 3)

        let bytes = try TestClient.httpGet(port: running.port, path: "/bytes/1000000")
        #expect(bytes.body == TargetServer.pattern(count: 1_000_000))
        try TunnelFixture.waitFor(running.manager, "counters") { status in status.bytesOut > 1_000_000 && status.bytesIn > 0 }
    }

    @Test("answers the gateway host's heartbeat itself, whatever the target does; anything else, even its first bytes, reaches the target intact")
    func answersHeartbeats() throws {
        let target = try TargetServer(.echo)
        let running = try TunnelFixture.upReverseTunnel(to: target.port)
        defer { running.manager.shutdown() }
        let heartbeat = Array("bridgekeeper-heartbeat\n".utf8)
        #expect(try TestClient.echo(port: running.port, bytes: heartbeat) == Array("bridgekeeper-heartbeat-ok\n".utf8))
        // A prefix of the heartbeat that ends there, or goes on differently, is the target's.
        let prefix = Array("bridgekeeper-heart".utf8)
        #expect(try TestClient.echo(port: running.port, bytes: prefix) == prefix)
        let other = Array("bridgekeeper-heartburn and more\n".utf8)
        #expect(try TestClient.echo(port: running.port, bytes: other) == other)
        let request = Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
        #expect(try TestClient.echo(port: running.port, bytes: request) == request)
    }
}
