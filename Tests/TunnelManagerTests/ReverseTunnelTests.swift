import Foundation
import Testing
import TestSupport
import TunnelManager

@Suite("Reverse tunnels through a real sshd", .serialized)
struct ReverseTunnelTests {
    @Test("carries HTTP, streamed responses included, on a loopback-only listener that proves it is ours")
    func carriesHTTP() throws {
        let sshd = try TestSSHD()
        try sshd.start()
        let target = try TargetServer(.http)
        let port = try TestSSHD.freePort()
        let manager = TunnelManager(
            tunnels: [TunnelFixture.reverse(sshd, listenPort: port, targetPort: target.port)], logger: TunnelFixture.logger)
        manager.start()
        defer { manager.shutdown() }
        let status = try TunnelFixture.waitFor(manager, "up") { status in status.state == .up }
        #expect(status.forwards.first?.verified == true)
        #expect(sshd.listeners(port: port) == ["127.0.0.1"])

        let plain = try TestClient.httpGet(port: port, path: "/")
        #expect(plain.status == 200)
        #expect(String(decoding: plain.body, as: UTF8.self) == "hello")

        let stream = try TestClient.httpGet(port: port, path: "/stream")
        let events = (1...5).map { "data: \($0)\n\n" }.joined()
        #expect(String(decoding: stream.body, as: UTF8.self) == events)
        // Five events 50 ms apart arrive in several reads, not as one buffered block.
        #expect(stream.chunks.count >= 3)

        let bytes = try TestClient.httpGet(port: port, path: "/bytes/1000000")
        #expect(bytes.body == TargetServer.pattern(count: 1_000_000))
        try TunnelFixture.waitFor(manager, "counters") { status in status.bytesOut > 1_000_000 && status.bytesIn > 0 }
    }
}
