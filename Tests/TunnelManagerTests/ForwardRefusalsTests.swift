import Policy
import Testing
@testable import TunnelManager

/// A refusal with nothing listening is server policy, unless the tunnel held that forward before:
/// then it is a listener being freed, retried, until it happens `limit` times in a row.
@Suite("Forward refusals")
struct ForwardRefusalsTests {
    static let listen = TunnelFixture.bind("127.0.0.1:3353")
    static let other = TunnelFixture.bind("127.0.0.1:3357")

    static func refused(_ listen: BindAddress) -> TunnelFailure {
        TunnelFailure(.forwardRefused, "the server refused to listen on \(listen) and nothing listens there", unheldListen: listen)
    }

    @Test("a forward never held is forward_refused at the first refusal")
    func neverHeld() {
        var refusals = ForwardRefusals()
        #expect(refusals.judge(Self.refused(Self.listen)).failure == .forwardRefused)
        refusals.up([Self.other])
        #expect(refusals.judge(Self.refused(Self.listen)).failure == .forwardRefused)
    }

    @Test("a forward held before is remote_port_busy for the first limit - 1 refusals, then forward_refused")
    func heldBefore() {
        var refusals = ForwardRefusals()
        refusals.up([Self.listen])
        let verdicts = (0..<ForwardRefusals.limit).map { _ in refusals.judge(Self.refused(Self.listen)) }
        #expect(verdicts.map(\.failure) == Array(repeating: .remotePortBusy, count: ForwardRefusals.limit - 1) + [.forwardRefused])
        #expect(verdicts[0].reason.contains("held before"))
        #expect(verdicts[0].reason.contains("refusal 1 of \(ForwardRefusals.limit)"))
        #expect(verdicts.last!.reason.contains("refused \(ForwardRefusals.limit) times in a row"))
    }

    @Test("the count restarts each time the tunnel is up")
    func upResets() {
        var refusals = ForwardRefusals()
        refusals.up([Self.listen])
        for _ in 1..<ForwardRefusals.limit { _ = refusals.judge(Self.refused(Self.listen)) }
        refusals.up([Self.listen])
        #expect(refusals.judge(Self.refused(Self.listen)).failure == .remotePortBusy)
    }

    @Test("other failures, and refusals where something answered, pass unchanged")
    func othersUnchanged() {
        var refusals = ForwardRefusals()
        refusals.up([Self.listen])
        let stalled = TunnelFailure(.stalled, "silence")
        let ownership = TunnelFailure(.forwardRefused, "something else owns that listener")
        #expect(refusals.judge(stalled).failure == .stalled)
        #expect(refusals.judge(ownership).failure == .forwardRefused)
        #expect(refusals.judge(ownership).reason == ownership.reason)
    }
}
