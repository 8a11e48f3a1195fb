import Platform
import Policy
import Testing
import TestSupport
@testable import TunnelManager

/// When a held tunnel tries again, on instants and random numbers of the test's choosing: what
/// the tunnel failure tests used to wait seconds to see not happen.
@Suite("Tunnel retry")
struct TunnelRetryTests {
    let t0 = ContinuousClock.now

    @Test(
        "failures a person must fix wait for the fix (or their class's own time), never for a backoff",
        arguments: [
            (FailureClass.hostkeyUnknown, nil), (.hostkeyMismatch, nil), (.authFailed, nil), (.hijacked, nil),
            (.forwardRefused, Duration.seconds(300)), (.exposed, .seconds(900)),
        ] as [(FailureClass, Duration?)])
    func personFailures(failure: FailureClass, limit: Duration?) {
        var retry = TunnelRetry()
        var random = SplitMix64(seed: 1)
        for attempt in 0..<3 {
            let (judged, wait) = retry.failed(TunnelFailure(failure, "x"), at: t0 + .seconds(attempt), using: &random)
            #expect(judged.failure == failure)
            #expect(wait == .untilFixed(atMost: limit))
        }
    }

    @Test(
        "failures a retry may cure back off, growing with each failure",
        arguments: [FailureClass.connectFailed, .proxyFailed, .remotePortBusy, .stalled, .disconnected])
    func backoffFailures(failure: FailureClass) {
        var retry = TunnelRetry()
        var random = SplitMix64(seed: 9)
        var ceilings: [Duration] = []
        for attempt in 0..<4 {
            let (judged, wait) = retry.failed(TunnelFailure(failure, "x"), at: t0 + .seconds(attempt), using: &random)
            #expect(judged.failure == failure)
            guard case .backoff(let delay) = wait else {
                Issue.record("\(failure) waits \(wait)")
                return
            }
            let ceiling = Backoff().ceiling(attempt: attempt)
            #expect(delay >= .zero && delay <= ceiling, "attempt \(attempt): \(delay) above \(ceiling)")
            ceilings.append(ceiling)
        }
        #expect(ceilings == ceilings.sorted() && ceilings.first! < ceilings.last!)
    }

    @Test("a refusal of a forward held before backs off as remote_port_busy until the limit, then waits 300 s for a fix")
    func refusedAfterHolding() {
        let listen = TunnelFixture.bind("127.0.0.1:3353")
        var retry = TunnelRetry()
        var random = SplitMix64(seed: 2)
        retry.up([listen], at: t0)
        let refused = TunnelFailure(.forwardRefused, "refused, nothing listens", unheldListen: listen)
        var waits: [TunnelRetry.Wait] = []
        for attempt in 0..<ForwardRefusals.limit {
            waits.append(retry.failed(refused, at: t0 + .seconds(attempt + 1), using: &random).wait)
        }
        #expect(waits.dropLast().allSatisfy { if case .backoff = $0 { true } else { false } })
        #expect(waits.last == .untilFixed(atMost: .seconds(300)))
    }
}
