import Foundation
import Testing
import TestSupport
import TunnelManager

/// `TunnelManager.apply(_:)` on inbound tunnels (no sessions needed): unchanged specs keep their
/// runner and status, changed ones start over, new ones start, removed ones go.
@Suite("TunnelManager.apply")
struct TunnelManagerApplyTests {
    static func inbound(_ name: String, _ port: UInt16) -> TunnelSpec {
        TunnelSpec(name: name, mode: .inbound, forwards: [.init(listen: TunnelFixture.bind("127.0.0.1:\(port)"), target: nil)])
    }

    @Test("kept, restarted, added and removed tunnels; a kept tunnel's status is untouched; nothing after shutdown")
    func apply() throws {
        let ports = try (0..<4).map { _ in try TestSSHD.freePort() }
        let a = Self.inbound("a", ports[0])
        let manager = TunnelManager(
            tunnels: [a, Self.inbound("b", ports[1])], logger: TunnelFixture.logger, inboundInterval: .milliseconds(100))
        manager.start()
        defer { manager.shutdown() }
        let down = try TunnelFixture.waitFor(manager, "a down (nothing listens)", tunnel: "a", timeout: .seconds(5)) { $0.state == .down }
        _ = try TunnelFixture.waitFor(manager, "b down", tunnel: "b", timeout: .seconds(5)) { $0.state == .down }

        let changes = manager.apply([Self.inbound("c", ports[3]), a, Self.inbound("b", ports[2])])
        #expect(changes.kept == ["a"])
        #expect(changes.restarted == ["b"])
        #expect(changes.added == ["c"])
        #expect(changes.removed.isEmpty)
        #expect(manager.statuses.map(\.name) == ["c", "a", "b"])
        #expect(manager.statuses.first { $0.name == "a" }?.since == down.since, "a kept tunnel's status was reset")
        #expect(manager.statuses.first { $0.name == "b" }?.forwards.first?.listen == "127.0.0.1:\(ports[2])")
        _ = try TunnelFixture.waitFor(manager, "c watched", tunnel: "c", timeout: .seconds(5)) { $0.state == .down }

        let removal = manager.apply([a])
        #expect(removal.removed == ["c", "b"])
        #expect(manager.statuses.map(\.name) == ["a"])

        manager.shutdown()
        #expect(manager.apply([a, Self.inbound("d", ports[3])]) == .init(), "apply after shutdown starts nothing")
    }

    @Test("shutdown ends the change streams of subscribers still listening, without deadlocking on them")
    func shutdownEndsLiveStreams() async throws {
        let manager = TunnelManager(
            tunnels: [Self.inbound("a", try TestSSHD.freePort())], logger: TunnelFixture.logger, inboundInterval: .milliseconds(100))
        let stream = manager.changes()
        manager.start()
        // Finishing the stream ran its onTermination under the board's lock: "Recursive call to lock Mutex".
        manager.shutdown()
        var seen = 0
        for await _ in stream { seen += 1 }
        #expect(seen >= 1)
    }
}
