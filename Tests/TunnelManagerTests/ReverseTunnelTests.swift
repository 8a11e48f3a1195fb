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
}
