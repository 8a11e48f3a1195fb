import Policy
import Testing
@testable import TunnelManager

/// A refusal with nothing listening is server policy, unless the tunnel held that forward before:
/// then it is a listener being freed, retried, until it happens `limit` times in a row; when the
/// server did not allow the port to be checked, until `uncheckedFor` has passed.
@Suite("Forward refusals")
struct ForwardRefusalsTests {
    static let listen = TunnelFixture.bind("127.0.0.1:3353")
    static let other = TunnelFixture.bind("127.0.0.1:3357")

    static let t0 = ContinuousClock.now

    static func refused(_ listen: BindAddress) -> TunnelFailure {
        TunnelFailure(.forwardRefused, "the server refused to listen on \(listen) and nothing listens there", refusal: .init(listen: listen, checked: true))
    }

    static func unchecked(_ listen: BindAddress) -> TunnelFailure {
        TunnelFailure(.forwardRefused, "the server refused to listen on \(listen) and did not allow checking the port", refusal: .init(listen: listen, checked: false))
    }

    @Test("a forward never held is forward_refused at the first refusal")
    func neverHeld() {
        var refusals = ForwardRefusals()
        #expect(refusals.judge(Self.refused(Self.listen), at: Self.t0).failure == .forwardRefused)
        refusals.up([Self.other])
        #expect(refusals.judge(Self.refused(Self.listen), at: Self.t0).failure == .forwardRefused)
    }

    @Test("a forward held before is remote_port_busy for the first limit - 1 refusals, then forward_refused")
    func heldBefore() {
        var refusals = ForwardRefusals()
        refusals.up([Self.listen])
        let verdicts = (0..<ForwardRefusals.limit).map { _ in refusals.judge(Self.refused(Self.listen), at: Self.t0) }
        #expect(verdicts.map(\.failure) == Array(repeating: .remotePortBusy, count: ForwardRefusals.limit - 1) + [.forwardRefused])
        #expect(verdicts[0].reason.contains("held before"))
        #expect(verdicts[0].reason.contains("refusal 1 of \(ForwardRefusals.limit)"))
        #expect(verdicts.last!.reason.contains("refused \(ForwardRefusals.limit) times in a row"))
    }

    @Test("the count restarts each time the tunnel is up")
    func upResets() {
        var refusals = ForwardRefusals()
        refusals.up([Self.listen])
        for _ in 1..<ForwardRefusals.limit { _ = refusals.judge(Self.refused(Self.listen), at: Self.t0) }
        refusals.up([Self.listen])
        #expect(refusals.judge(Self.refused(Self.listen), at: Self.t0).failure == .remotePortBusy)
    }

    @Test("other failures, and refusals where something answered, pass unchanged")
    func othersUnchanged() {
        var refusals = ForwardRefusals()
        refusals.up([Self.listen])
        let stalled = TunnelFailure(.stalled, "silence")
        let ownership = TunnelFailure(.forwardRefused, "something else owns that listener")
        #expect(refusals.judge(stalled, at: Self.t0).failure == .stalled)
        #expect(refusals.judge(ownership, at: Self.t0).failure == .forwardRefused)
        #expect(refusals.judge(ownership, at: Self.t0).reason == ownership.reason)
    }

    @Test("an unchecked refusal of a forward held before is remote_port_busy until uncheckedFor has passed, counted from the first")
    func uncheckedHeldBefore() {
        var refusals = ForwardRefusals()
        refusals.up([Self.listen])
        // Every 2 s, as a tunnel with keepalive 2 s retries a busy port: many more than `limit`.
        let offsets = stride(from: 0, through: ForwardRefusals.uncheckedFor.components.seconds, by: 2)
        let verdicts = offsets.map { refusals.judge(Self.unchecked(Self.listen), at: Self.t0 + .seconds($0)) }
        #expect(verdicts.count > ForwardRefusals.limit)
        #expect(verdicts.dropLast().allSatisfy { $0.failure == .remotePortBusy })
        #expect(verdicts[0].reason.contains("does not allow checking"))
        #expect(verdicts.last!.failure == .forwardRefused)
        #expect(verdicts.last!.reason.contains("refused for \(ForwardRefusals.uncheckedFor.components.seconds) s in a row"))
    }

    @Test("an unchecked refusal of a forward never held is forward_refused at once; up restarts the clock")
    func uncheckedNeverHeldAndUp() {
        var refusals = ForwardRefusals()
        #expect(refusals.judge(Self.unchecked(Self.listen), at: Self.t0).failure == .forwardRefused)
        refusals.up([Self.listen])
        _ = refusals.judge(Self.unchecked(Self.listen), at: Self.t0)
        refusals.up([Self.listen])
        let late = Self.t0 + ForwardRefusals.uncheckedFor + .seconds(1)
        #expect(refusals.judge(Self.unchecked(Self.listen), at: late).failure == .remotePortBusy)
    }
}
