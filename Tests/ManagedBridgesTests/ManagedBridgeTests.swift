import Foundation
import Glibc
import Logging
import Platform
@_spi(Testing) import ManagedBridges
import TestSupport
import Testing

/// `ManagedBridge` on real processes: Python's http.server as a bridge, shells that exit or ignore
/// SIGTERM, and a program that does not exist.
@Suite("Managed bridges")
struct ManagedBridgeTests {
    typealias Fixture = ManagedBridgeFixture

    @Test("a bridge listening on 0.0.0.0 is killed, reported exposed naming the address, and never restarted")
    func wildcardBindIsKilled() throws {
        let port = try TestSSHD.freePort()
        let logs = Fixture.LogCollector()
        let recorder = Fixture.StateRecorder()
        let bridge = ManagedBridge(
            name: "wide", command: [Fixture.python, "-m", "http.server", "--bind", "0.0.0.0", "\(port)"], logger: logs.logger,
            checks: Fixture.fastChecks, backoff: Backoff(base: .milliseconds(100), cap: .milliseconds(200)), onChange: recorder.record)
        bridge.start()
        defer { bridge.stop(grace: .seconds(1)) }

        try recorder.wait("exposed", timeout: .seconds(10)) { $0.last?.needsConfigChange == true }
        guard case .exposed(let reason) = bridge.state, let pid = recorder.pids.first else {
            Issue.record("expected exposed after running, got \(recorder.states)")
            return
        }
        #expect(reason.contains("0.0.0.0:\(port)"), "reason: \(reason)")
        #expect(reason.contains("python3 (pid \(pid))"), "reason: \(reason)")
        #expect(!Fixture.isLive(pid), "the exposed bridge still runs")
        #expect(TestSSHD.listeners(port: port).isEmpty)
        #expect(logs.all.contains { $0.level == .critical && $0.message.contains("0.0.0.0:\(port)") })

        // Never restarted: ManagedBridgeLifecycleTests.exposedIsFinal, without waiting for nothing.
        #expect(recorder.states.filter { $0 == .starting }.count == 1, "restarted: \(recorder.states)")
        #expect(bridge.state.needsConfigChange)
        #expect(TestSSHD.listeners(port: port).isEmpty)
        #expect(Fixture.liveProcesses(withArguments: ["http.server", "\(port)"]).isEmpty)

        bridge.stop(grace: .seconds(1))
        #expect(bridge.state.needsConfigChange, "stop() must not hide why the bridge is down")
    }

    @Test("a bridge on 127.0.0.1 keeps running and serves; stop() leaves nothing running or listening")
    func loopbackBridgeRunsAndStops() throws {
        let port = try TestSSHD.freePort()
        let served = try TemporaryDirectory("managed-bridge")
        try served.write("health", "ok")
        let directory = served.path
        let recorder = Fixture.StateRecorder()
        let bridge = ManagedBridge(
            name: "local",
            command: [Fixture.python, "-m", "http.server", "--bind", "127.0.0.1", "--directory", directory, "\(port)"],
            logger: Fixture.LogCollector().logger, checks: Fixture.fastChecks, onChange: recorder.record)
        bridge.start()
        defer { bridge.stop(grace: .seconds(1)) }

        try Wait.until("a listener on port \(port)", timeout: .seconds(10)) { TestSSHD.listeners(port: port) == ["127.0.0.1"] }
        // Several exposure checks pass over the listening bridge.
        let passed = bridge.passedExposureChecks
        try Wait.until("3 more passed exposure checks", timeout: .seconds(10)) { bridge.passedExposureChecks >= passed + 3 }
        let response = try TestClient.httpGet(port: port, path: "/health")
        #expect(response.status == 200)
        #expect(String(decoding: response.body, as: UTF8.self) == "ok")
        guard case .running(let pid) = bridge.state else {
            Issue.record("expected running, got \(recorder.states)")
            return
        }
        #expect(recorder.states == [.starting, .running(pid: pid)])

        let stopping = ContinuousClock.now
        bridge.stop()
        #expect(ContinuousClock.now - stopping < .seconds(3), "http.server ends on SIGTERM; stop() should not wait the grace out")
        #expect(bridge.state == .stopped)
        #expect(recorder.states.last == .stopped)
        #expect(!Fixture.isLive(pid))
        #expect(TestSSHD.listeners(port: port).isEmpty)
        #expect(Fixture.liveProcesses(withArguments: ["http.server", "\(port)"]).isEmpty)
        bridge.stop()
        #expect(bridge.state == .stopped)
    }

    @Test("a grandchild listening on 0.0.0.0 is caught through the process group")
    func grandchildBindIsCaught() throws {
        let port = try TestSSHD.freePort()
        let recorder = Fixture.StateRecorder()
        // `; true` keeps the shell from exec-ing Python: Python is the shell's child.
        let script = "\(Fixture.python) -m http.server --bind 0.0.0.0 \(port); true"
        let bridge = ManagedBridge(
            name: "nested", command: ["/bin/sh", "-c", script], logger: Fixture.LogCollector().logger, checks: Fixture.fastChecks,
            onChange: recorder.record)
        bridge.start()
        defer { bridge.stop(grace: .seconds(1)) }

        try recorder.wait("exposed", timeout: .seconds(10)) { $0.last?.needsConfigChange == true }
        guard case .exposed(let reason) = bridge.state, let shell = recorder.pids.first else {
            Issue.record("expected exposed after running, got \(recorder.states)")
            return
        }
        #expect(reason.contains("0.0.0.0:\(port) by python3 (pid "), "reason: \(reason)")
        #expect(!reason.contains("(pid \(shell))"), "the listener belongs to Python, not the shell: \(reason)")
        #expect(!Fixture.isLive(shell))
        try Wait.until("port \(port) to close", timeout: .seconds(2)) { TestSSHD.listeners(port: port).isEmpty }
        #expect(Fixture.liveProcesses(withArguments: ["http.server", "\(port)"]).isEmpty)
        #expect(recorder.states.filter { $0 == .starting }.count == 1, "restarted: \(recorder.states)")
    }

    @Test("a command that exits at once is restarted ever more slowly, its output logged, its status reported")
    func exitingCommandBacksOff() throws {
        let logs = Fixture.LogCollector()
        let recorder = Fixture.StateRecorder()
        let base = Duration.milliseconds(200)
        let bridge = ManagedBridge(
            name: "flaky", command: ["/bin/sh", "-c", "echo started; echo complaint >&2; exit 3"], logger: logs.logger,
            backoff: Backoff(base: base, cap: .seconds(10)), onChange: recorder.record)
        bridge.start()
        defer { bridge.stop(grace: .seconds(1)) }

        try recorder.wait("four exits", timeout: .seconds(10)) { states in
            states.filter { if case .backoff = $0 { true } else { false } }.count >= 4
        }
        bridge.stop(grace: .seconds(1))

        let backoffs = recorder.backoffs
        for (attempt, backoff) in backoffs.prefix(4).enumerated() {
            #expect(backoff.lastExit == "exited with status 3")
            // Each delay lies in the upper half of a ceiling that doubles: [base·2ⁿ/2, base·2ⁿ].
            let ceiling = base * (1 << attempt)
            let delay = backoff.until - backoff.at
            #expect(delay >= ceiling / 2 - .milliseconds(50) && delay <= ceiling, "attempt \(attempt): delay \(delay)")
        }
        let elapsed = recorder.timeline.last!.at - recorder.timeline.first!.at
        let starts = recorder.states.filter { $0 == .starting }.count
        #expect(starts <= backoffs.count + 1, "started \(starts) times in \(elapsed): a spin")
        #expect(logs.lines(stream: "stdout", bridge: "flaky").filter { $0 == "started" }.count >= 4)
        #expect(logs.lines(stream: "stderr", bridge: "flaky").contains("complaint"))
        #expect(bridge.state == .stopped)
    }

    @Test("a missing executable is a backoff naming the path, retried, and no crash")
    func missingExecutable() throws {
        let path = "/nonexistent/bridgekeeper-\(UUID().uuidString.prefix(8))/bridge"
        let logs = Fixture.LogCollector()
        let recorder = Fixture.StateRecorder()
        let bridge = ManagedBridge(
            name: "ghost", command: [path, "--port", "1"], logger: logs.logger,
            backoff: Backoff(base: .milliseconds(100), cap: .seconds(1)), onChange: recorder.record)
        bridge.start()
        defer { bridge.stop(grace: .seconds(1)) }

        try recorder.wait("two failed starts", timeout: .seconds(5)) { states in
            states.filter { if case .backoff = $0 { true } else { false } }.count >= 2
        }
        for backoff in recorder.backoffs {
            #expect(backoff.lastExit == "cannot start \(path): No such file or directory")
        }
        #expect(recorder.pids.isEmpty)
        #expect(logs.all.contains { $0.message.contains(path) && $0.metadata["bridge"] == "ghost" })
        bridge.stop(grace: .seconds(1))
        #expect(bridge.state == .stopped)
    }

    @Test("a bridge inherits no descriptor but 0, 1 and 2: a wildcard listener of ours without close-on-exec neither reaches it nor makes it look exposed")
    func onlyStandardDescriptorsAreInherited() throws {
        // Deliberately not close-on-exec, as a library's socket may be.
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(listener >= 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = INADDR_ANY
        let listening = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        try #require(listening && listen(listener, 1) == 0)

        let logs = Fixture.LogCollector()
        let recorder = Fixture.StateRecorder()
        let bridge = ManagedBridge(
            name: "fds", command: ["/bin/sh", "-c", "ls /proc/$$/fd; echo listed; sleep 30"], logger: logs.logger,
            checks: Fixture.fastChecks, onChange: recorder.record)
        bridge.start()
        defer { bridge.stop(grace: .seconds(1)) }

        try Wait.until("the listing", timeout: .seconds(10)) { logs.lines(stream: "stdout", bridge: "fds").contains("listed") }
        #expect(logs.lines(stream: "stdout", bridge: "fds") == ["0", "1", "2", "listed"])
        #expect(!recorder.states.contains { $0.needsConfigChange }, "states: \(recorder.states)")
    }

    @Test("stop() kills a process group that ignores SIGTERM once the grace is over")
    func stopKillsStubbornGroup() throws {
        let marker = "59.\(Int.random(in: 100_000...999_999))"
        let recorder = Fixture.StateRecorder()
        let bridge = ManagedBridge(
            name: "stubborn", command: ["/bin/sh", "-c", "trap '' TERM; sleep \(marker); true"], logger: Fixture.LogCollector().logger,
            onChange: recorder.record)
        bridge.start()
        defer { bridge.stop(grace: .milliseconds(100)) }
        try Wait.until("sleep to start", timeout: .seconds(5)) { !Fixture.liveProcesses(withArguments: ["sleep", marker]).isEmpty }

        let stopping = ContinuousClock.now
        bridge.stop(grace: .milliseconds(500))
        let took = ContinuousClock.now - stopping
        #expect(took >= .milliseconds(450) && took < .seconds(3), "stop took \(took)")
        #expect(bridge.state == .stopped)
        #expect(Fixture.liveProcesses(withArguments: ["sleep", marker]).isEmpty, "the shell's child survived stop()")
        #expect(recorder.pids.allSatisfy { !Fixture.isLive($0) })
    }

    @Test("output lines are cut at 4 KiB; the next line still arrives")
    func longLinesAreCut() throws {
        let logs = Fixture.LogCollector()
        let recorder = Fixture.StateRecorder()
        let bridge = ManagedBridge(
            name: "chatty", command: ["/bin/sh", "-c", "head -c 100000 /dev/zero | tr '\\000' x; echo; echo after; sleep 30"],
            logger: logs.logger, onChange: recorder.record)
        bridge.start()
        defer { bridge.stop(grace: .seconds(1)) }

        try Wait.until("the line after", timeout: .seconds(5)) { logs.lines(stream: "stdout", bridge: "chatty").contains("after") }
        let lines = logs.lines(stream: "stdout", bridge: "chatty")
        #expect(lines.count == 2, "lines: \(lines.map { $0.prefix(40) })")
        #expect(lines.first?.hasPrefix(String(repeating: "x", count: 4000)) == true)
        #expect(lines.allSatisfy { $0.utf8.count <= 4200 })
    }

    // MARK: Restart delays (pure)

    @Test("restart delays lie in the upper half of a doubling ceiling, cap out, and reset after a stable run", arguments: [1, 2, 3, 42])
    func restartDelays(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        var backoff = Backoff(base: .milliseconds(500), cap: .seconds(30), resetAfter: .seconds(60))
        var now = ContinuousClock.now
        for attempt in 0..<10 {
            backoff.succeeded(at: now)
            now += .seconds(1)
            let delay = ManagedBridgeLifecycle.restartDelay(&backoff, failedAt: now, using: &random)
            let ceiling = min(.milliseconds(500) * (1 << attempt), Duration.seconds(30))
            #expect(delay >= ceiling / 2 && delay <= ceiling, "attempt \(attempt): \(delay) outside [\(ceiling / 2), \(ceiling)]")
            now += delay
        }
        backoff.succeeded(at: now)
        now += .seconds(61)
        let afterStableRun = ManagedBridgeLifecycle.restartDelay(&backoff, failedAt: now, using: &random)
        #expect(afterStableRun >= .milliseconds(250) && afterStableRun <= .milliseconds(500))
    }
}
