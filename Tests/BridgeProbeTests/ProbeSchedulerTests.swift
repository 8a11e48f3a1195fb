import BridgeProbe
import Foundation
import Synchronization
import Testing
import TestSupport

/// The threads that carry out a ``ProbeSchedule`` (whose decisions `ProbeScheduleTests` cover):
/// real probes of real servers, waited for as events.
@Suite("ProbeScheduler")
struct ProbeSchedulerTests {
    @Test("a bridge that never answers holds one thread, not the others; stop() waits for the probe in flight")
    func schedule() throws {
        let fast = try StubHTTPServer(reply: .respond(status: 200, body: "{}"))
        let slow = try StubHTTPServer(reply: .silent)
        defer { slow.stop() }
        let results = Mutex<[ProbeResult]>([])
        let scheduler = ProbeScheduler(
            targets: [
                ProbeTarget(name: "fast", baseURL: fast.url, path: "/v1/models", interval: .milliseconds(50), timeout: .seconds(1), throughTunnel: false),
                ProbeTarget(name: "slow", baseURL: slow.url, path: "/v1/models", interval: .seconds(60), timeout: .seconds(2), throughTunnel: false),
            ],
            workers: 2
        ) { result in results.withLock { $0.append(result) } }
        scheduler.start()
        try Wait.until("three probes of fast while slow is silent", timeout: .seconds(10)) {
            results.withLock { $0.filter { $0.bridge == "fast" }.count } >= 3
        }
        #expect(slow.requests.count <= 1)
        scheduler.stop()
        let slowResults = results.withLock { $0.filter { $0.bridge == "slow" } }
        #expect(slowResults.count == 1, "stop() returned before the probe in flight ended")
        #expect(slowResults.allSatisfy { $0.verdict.state == .degraded })
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
        try Wait.until("the first probe", timeout: .seconds(5)) { results.withLock { $0.count } >= 1 }
        server.reply = .respond(status: 401, body: #"{"message":"sign in"}"#)
        scheduler.probeSoon("b")
        try Wait.until("the second probe", timeout: .seconds(5)) { results.withLock { $0.count } >= 2 }
        #expect(results.withLock { $0.map(\.verdict.state) } == [.live, .authRequired])
    }

    @Test("replace(targets:) starts threads when there were none and probes the added bridge at once")
    func replace() throws {
        let server = try StubHTTPServer(reply: .respond(status: 200, body: "{}"))
        let results = Mutex<[ProbeResult]>([])
        let scheduler = ProbeScheduler(targets: []) { result in results.withLock { $0.append(result) } }
        scheduler.start()
        defer { scheduler.stop() }
        scheduler.replace(targets: [
            ProbeTarget(name: "a", baseURL: server.url, path: "/v1/models", interval: .seconds(60), timeout: .seconds(1), throughTunnel: false)
        ])
        try Wait.until("a probe of the added bridge", timeout: .seconds(5)) { results.withLock { $0.contains { $0.bridge == "a" } } }
    }
}
