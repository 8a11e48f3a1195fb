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

    @Test(
        "a tunnel up as long as a stall takes to tell (3 × keepalive, at most 60 s) retries within 500 ms after it fails; one up for less keeps backing off",
        arguments: [(Duration.seconds(2), Duration.seconds(6)), (.seconds(5), .seconds(15)), (.seconds(30), .seconds(60))])
    func servingTunnelRetriesAtOnce(keepalive: Duration, stable: Duration) {
        var random = SplitMix64(seed: 4)
        for (upFor, restarts) in [(stable, true), (stable - .milliseconds(1), false)] {
            var retry = TunnelRetry(keepalive: keepalive)
            // Outages close together: six failures in a row grew the backoff.
            for attempt in 0..<6 { _ = retry.failed(TunnelFailure(.connectFailed, "x"), at: t0 + .seconds(attempt), using: &random) }
            retry.up([], at: t0 + .seconds(10))
            var longest = Duration.zero
            for _ in 0..<20 {
                var copy = retry
                guard case .backoff(let delay) = copy.failed(TunnelFailure(.stalled, "x"), at: t0 + .seconds(10) + upFor, using: &random).wait
                else {
                    Issue.record("a stall waits for a person")
                    return
                }
                longest = max(longest, delay)
            }
            if restarts {
                #expect(longest <= .milliseconds(500), "keepalive \(keepalive), up \(upFor): waited up to \(longest)")
            } else {
                #expect(longest > .milliseconds(500), "keepalive \(keepalive), up \(upFor): the backoff restarted")
            }
        }
    }

    @Test("remote_port_busy (a dead session's listener the server has not freed yet) is retried at least every keepalive interval, however long it lasts")
    func busyPortRetriedEveryKeepalive() {
        var random = SplitMix64(seed: 5)
        var retry = TunnelRetry(keepalive: .seconds(2))
        var waits: [Duration] = []
        for attempt in 0..<30 {
            guard case .backoff(let delay) = retry.failed(TunnelFailure(.remotePortBusy, "x"), at: t0 + .seconds(attempt), using: &random).wait
            else {
                Issue.record("remote_port_busy waits for a person")
                return
            }
            waits.append(delay)
        }
        #expect(waits.allSatisfy { $0 <= .seconds(2) }, "\(waits)")
        // A cure other than the server's is not implied: connect failures still grow to the cap.
        var connects: [Duration] = []
        for attempt in 0..<30 {
            if case .backoff(let delay) = retry.failed(TunnelFailure(.connectFailed, "x"), at: t0 + .seconds(100 + attempt), using: &random).wait {
                connects.append(delay)
            }
        }
        #expect(connects.contains { $0 > .seconds(2) })
    }

    @Test("a refusal of a forward held before backs off as remote_port_busy until the limit, then waits 300 s for a fix")
    func refusedAfterHolding() {
        let listen = TunnelFixture.bind("127.0.0.1:3353")
        var retry = TunnelRetry()
        var random = SplitMix64(seed: 2)
        retry.up([listen], at: t0)
        let refused = TunnelFailure(.forwardRefused, "refused, nothing listens", refusal: .init(listen: listen, checked: true))
        var waits: [TunnelRetry.Wait] = []
        for attempt in 0..<ForwardRefusals.limit {
            waits.append(retry.failed(refused, at: t0 + .seconds(attempt + 1), using: &random).wait)
        }
        #expect(waits.dropLast().allSatisfy { if case .backoff = $0 { true } else { false } })
        #expect(waits.last == .untilFixed(atMost: .seconds(300)))
    }
}
