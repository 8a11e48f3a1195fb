import BridgeProbe
import Foundation
import Synchronization
import Testing
import TestSupport

@Suite("ProbeScheduler")
struct ProbeSchedulerTests {
    @Test("probes each bridge at once and then at its interval, one at a time per bridge; stop() ends it")
    func schedule() throws {
        let fast = try StubHTTPServer(reply: .respond(status: 200, body: "{}"))
        let slow = try StubHTTPServer(reply: .silent)
        defer { slow.stop() }
        let results = Mutex<[ProbeResult]>([])
        let scheduler = ProbeScheduler(
            targets: [
                ProbeTarget(name: "fast", baseURL: fast.url, path: "/v1/models", interval: .milliseconds(200), timeout: .seconds(1), throughTunnel: false),
                ProbeTarget(name: "slow", baseURL: slow.url, path: "/v1/models", interval: .milliseconds(200), timeout: .milliseconds(700), throughTunnel: false),
            ],
            workers: 2
        ) { result in results.withLock { $0.append(result) } }
        scheduler.start()
        Thread.sleep(forTimeInterval: 1.5)
        scheduler.stop()
        let seen = results.withLock { $0 }
        let fastCount = seen.filter { $0.bridge == "fast" }.count
        let slowCount = seen.filter { $0.bridge == "slow" }.count
        // fast: at 0, then every ~200 ms: at most 8 in 1.5 s, and repeatedly (at least 3, even on a
        // busy machine) although the silent bridge holds a thread the whole time.
        #expect((3...8).contains(fastCount), "fast was probed \(fastCount) times")
        // slow: each probe takes 700 ms and the next is 200 ms after it ends: at most 2 in 1.5 s.
        #expect((1...2).contains(slowCount), "slow was probed \(slowCount) times")
        #expect(seen.filter { $0.bridge == "slow" }.allSatisfy { $0.verdict.state == .degraded })
        let after = results.withLock { $0.count }
        Thread.sleep(forTimeInterval: 0.5)
        #expect(results.withLock { $0.count } == after, "probes continued after stop()")
    }

    @Test("probeSoon() probes a bridge well before its interval")
    func probeSoon() throws {
        let server = try StubHTTPServer(reply: .respond(status: 200, body: "{}"))
        let results = Mutex<[ProbeResult]>([])
        let scheduler = ProbeScheduler(
            targets: [ProbeTarget(name: "b", baseURL: server.url, path: "/v1/models", interval: .seconds(60), timeout: .seconds(1), throughTunnel: false)]
        ) { result in results.withLock { $0.append(result) } }
        scheduler.start()
        defer { scheduler.stop() }
        let deadline = ContinuousClock.now + .seconds(5)
        while results.withLock({ $0.count }) < 1 && ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.02) }
        server.reply = .respond(status: 401, body: #"{"message":"sign in"}"#)
        scheduler.probeSoon("b")
        while results.withLock({ $0.count }) < 2 && ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.02) }
        let states = results.withLock { $0.map(\.verdict.state) }
        #expect(states == [.live, .authRequired])
    }

    @Test("replace(targets:) probes an added bridge at once, stops probing a removed one, and starts threads when there were none")
    func replace() throws {
        let server = try StubHTTPServer(reply: .respond(status: 200, body: "{}"))
        let results = Mutex<[ProbeResult]>([])
        let target = { (name: String) in
            ProbeTarget(name: name, baseURL: server.url, path: "/v1/models", interval: .milliseconds(100), timeout: .seconds(1), throughTunnel: false)
        }
        let scheduler = ProbeScheduler(targets: []) { result in results.withLock { $0.append(result) } }
        scheduler.start()
        defer { scheduler.stop() }
        scheduler.replace(targets: [target("a")])
        let deadline = ContinuousClock.now + .seconds(5)
        while !results.withLock({ $0.contains { $0.bridge == "a" } }) && ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.02) }
        #expect(results.withLock { $0.contains { $0.bridge == "a" } }, "the added bridge was never probed")

        scheduler.replace(targets: [target("b")])
        Thread.sleep(forTimeInterval: 0.3)  // a probe of a in flight at the swap may still land
        let before = results.withLock { $0.filter { $0.bridge == "a" }.count }
        Thread.sleep(forTimeInterval: 0.5)
        #expect(results.withLock { $0.filter { $0.bridge == "a" }.count } == before, "a removed bridge is still probed")
        #expect(results.withLock { $0.contains { $0.bridge == "b" } })
    }
}
