import Foundation
import Glibc
import Synchronization
import Testing
import TestSupport

/// `bridgekeeper run` under a stand-in for systemd: a `NOTIFY_SOCKET` the test listens on, and a
/// watchdog of 400 ms.
@Suite("bridgekeeper under systemd", .serialized)
struct SystemdNotifyTests {
    /// A bridge `codex` on `port`, where nothing listens: probed every 200 ms, it goes down.
    static func unreachableBridge(port: UInt16) -> String {
        """
        [[bridges]]
        name = "codex"
        url = "http://127.0.0.1:\(port)"
        api = "openai"
          [bridges.probe]
          interval = "200ms"
          timeout = "150ms"

        """
    }

    @Test("READY=1 once the gateway accepts connections, STATUS= kept current, WATCHDOG=1 at half the timeout, STOPPING=1 and exit 0 on SIGTERM")
    func lifecycle() throws {
        let dir = try TemporaryDirectory("test")
        let gateway = try TestSSHD.freePort()
        let nothing = try TestSSHD.freePort()  // nothing listens here: the bridge goes down
        let config = try dir.write(
            "bk.toml",
            """
            [supervisor]
            control = "127.0.0.1:\(try TestSSHD.freePort())"
            state_dir = "\(dir.path)/state"

            [gateway]
            listen = "127.0.0.1:\(gateway)"

            """ + Self.unreachableBridge(port: nothing))
        // Whether the gateway accepted a connection at the moment READY=1 arrived, checked on the
        // socket's own thread before anything else is read.
        let acceptingAtReady = Mutex<Bool?>(nil)
        let socket = try NotifySocket(directory: dir.path) { message in
            guard message.has("READY=1") else { return }
            let accepting: Bool
            if let fd = try? TestClient.connect(port: gateway, timeout: .seconds(1)) {
                close(fd)
                accepting = true
            } else {
                accepting = false
            }
            acceptingAtReady.withLock { if $0 == nil { $0 = accepting } }
        }
        defer { socket.stop() }
        let daemon = try Bridgekeeper.start(
            ["run", "--config", config], extraEnvironment: ["NOTIFY_SOCKET": socket.path, "WATCHDOG_USEC": "400000"])
        defer {
            if daemon.process.isRunning {
                kill(daemon.process.processIdentifier, SIGKILL)
                daemon.process.waitUntilExit()
            }
        }

        let ready = try #require(socket.wait(for: "READY=1", timeout: .seconds(30)), "no READY=1: \(daemon.output)")
        #expect(acceptingAtReady.withLock { $0 } == true, "READY=1 came before the gateway accepted connections")
        #expect(socket.messages.filter { $0.has("READY=1") }.count == 1)
        #expect(ready.text.contains("STATUS=tunnels 0/0 up; bridges: codex "), "\(ready.text)")

        // The bridge's fall to `down` is published as it happens.
        #expect(socket.wait(for: "STATUS=tunnels 0/0 up; bridges: codex down", timeout: .seconds(10)) != nil,
            "\(socket.messages.map(\.text))")

        // Over two seconds, pings at about every 200 ms; generous bounds, this is a busy machine.
        let from = ContinuousClock.now
        Thread.sleep(forTimeInterval: 2)
        let pings = socket.messages.filter { $0.has("WATCHDOG=1") && $0.at >= from && $0.at < from + .seconds(2) }.count
        #expect((4...20).contains(pings), "\(pings) WATCHDOG=1 in 2 s, expected about 10")

        #expect(socket.messages.allSatisfy { !$0.has("STOPPING=1") })
        kill(daemon.process.processIdentifier, SIGTERM)
        daemon.process.waitUntilExit()
        #expect(daemon.process.terminationReason == .exit)
        #expect(daemon.process.terminationStatus == 0, "\(daemon.output)")
        #expect(socket.wait(for: "STOPPING=1", timeout: .seconds(5)) != nil)
        // logfmt on stderr, not journald (no JOURNAL_STREAM here).
        #expect(daemon.output.contains(#"level=info msg="supervisor started""#), "\(daemon.output)")
    }

    @Test("a watchdog meant for another process (WATCHDOG_PID) is not ours: no WATCHDOG=1")
    func noWatchdog() throws {
        let dir = try TemporaryDirectory("test")
        let nothing = try TestSSHD.freePort()
        let config = try dir.write(
            "bk.toml",
            try daemonSections(state: dir.path + "/state") + Self.unreachableBridge(port: nothing))
        let socket = try NotifySocket(directory: dir.path)
        defer { socket.stop() }
        // At debug level every probe is logged: the test's clock.
        let daemon = try Bridgekeeper.start(
            ["run", "--config", config, "--log-level", "debug"],
            extraEnvironment: ["NOTIFY_SOCKET": socket.path, "WATCHDOG_USEC": "400000", "WATCHDOG_PID": "1"])
        defer {
            kill(daemon.process.processIdentifier, SIGTERM)
            daemon.process.waitUntilExit()
        }
        #expect(socket.wait(for: "READY=1", timeout: .seconds(30)) != nil, "\(daemon.output)")
        try Wait.until("the daemon says why it does not ping", timeout: .seconds(10), lastSeen: { daemon.output }) {
            daemon.output.contains("WATCHDOG_USEC is meant for process 1")
        }
        // Five probes 200 ms apart go by: a 400 ms watchdog would have pinged about four times.
        let probes = daemon.occurrences(of: "probe codex:")
        try Wait.until("five more probes", timeout: .seconds(30), lastSeen: { daemon.output }) {
            daemon.occurrences(of: "probe codex:") >= probes + 5
        }
        #expect(!socket.messages.contains { $0.has("WATCHDOG=1") })
    }
}
