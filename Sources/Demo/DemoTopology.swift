import Config
import Foundation
import Glibc
public import Logging
import Platform
import Policy
import PrivateSSHD
import Supervisor
import TunnelManager
import UnixSignals

/// `bridgekeeper demo`: the whole topology on one machine, on loopback.
///
/// It starts, in order: the two demo bridges (in this process), a private sshd standing in for
/// the gateway host's, and this same executable as `bridgekeeper run` with a generated config —
/// a reverse tunnel through that sshd to the demo OpenAI bridge, both bridges, two models, the
/// gateway and the control endpoint. Once the tunnel is up and both bridges are probed, it prints
/// ``DemoInstructions`` on stdout and waits. SIGINT or SIGTERM (or a child dying) stops the
/// daemon (SIGTERM, waited for), sshd (its whole process group), the bridges, and removes the
/// temporary directory — on every path, failures included. Progress and errors go to stderr.
public final class DemoTopology {
    /// The default gateway port, used when it is free.
    public static let preferredGatewayPort: UInt16 = 4000
    /// The default control port, used when it is free.
    static let preferredControlPort: UInt16 = 4099
    /// How long the topology may take to come up.
    static let readyTimeout: Duration = .seconds(60)

    private let executable: String
    private let requestedGatewayPort: UInt16?
    private let logger: Logger
    private let stop = StopRequest()
    // Set as things start; `shutdown()` stops whatever is set. Only `run()`'s task touches them.
    private var directory: String?
    private var bridges: DemoBridges?
    private var sshd: PrivateSSHD?
    private var daemon: ChildProcess?

    /// A demo whose daemon is `executable` (this process's own binary by default), with the
    /// gateway on `gatewayPort` (which must be free) or on 4000 when free, else any free port.
    public init(executable: String = "/proc/self/exe", gatewayPort: UInt16? = nil, logger: Logger) {
        self.executable = executable
        requestedGatewayPort = gatewayPort
        self.logger = logger
    }

    /// Runs the demo until SIGINT or SIGTERM, then cleans up. Throws (after cleaning up) when
    /// something could not start or stopped on its own.
    public func run() async throws(DemoFailure) {
        // Trap the signals before anything starts, so a Ctrl-C at any moment still cleans up.
        let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm)
        let watcher = Task { [stop] in
            for await signal in signals { stop.request("\(signal)") }
        }
        var failure: DemoFailure?
        do {
            if let ready = try await start() {
                // Unbuffered: whoever reads stdout (a pipe, a test) sees it now, not at exit.
                FileHandle.standardOutput.write(Data((ready.text + "\n").utf8))
                try await serve()
            }
        } catch {
            failure = error
        }
        await shutdown()
        watcher.cancel()
        if let failure { throw failure }
    }

    /// Starts everything and waits until the topology is ready; nil when asked to stop meanwhile.
    private func start() async throws(DemoFailure) -> DemoInstructions? {
        let directory = try Self.makeDirectory()
        self.directory = directory
        note("working in \(directory)")
        if let requested = requestedGatewayPort, !LoopbackPort.isFree(requested) {
            throw Self.portInUse(requested)
        }

        let bridges = try await DemoBridges.start(logger: logger)
        self.bridges = bridges
        note("demo bridges: OpenAI-compatible on 127.0.0.1:\(bridges.openAIPort), auth_required on 127.0.0.1:\(bridges.authPort)")
        if stop.requested != nil { return nil }

        var taken: Set<UInt16> = [bridges.openAIPort, bridges.authPort]
        let forwardPort = try Self.demo { () throws(LoopbackPort.Failure) in try LoopbackPort.free(avoiding: taken) }
        taken.insert(forwardPort)
        let sshdPort = try Self.demo { () throws(LoopbackPort.Failure) in try LoopbackPort.free(avoiding: taken) }
        let sshd = try Self.demo { () throws(PrivateSSHD.Failure) in try PrivateSSHD(Self.sshdConfiguration(directory: directory, port: sshdPort, forward: forwardPort)) }
        let knownHostsFile = "\(directory)/known_hosts"
        do {
            try (sshd.knownHostsLine() + "\n").write(toFile: knownHostsFile, atomically: true, encoding: .utf8)
        } catch {
            throw DemoFailure("cannot write \(knownHostsFile): \(error.localizedDescription)")
        }
        self.sshd = sshd
        do {
            try await BlockingWork.run("bk-demo-sshd") { () throws(PrivateSSHD.Failure) in try sshd.start() }
        } catch {
            throw DemoFailure(error.description)
        }
        taken.insert(sshd.port)
        note("sshd on 127.0.0.1:\(sshd.port) (GatewayPorts no; the tunnel may listen on 127.0.0.1:\(forwardPort) only)")
        if stop.requested != nil { return nil }

        let gatewayPort: UInt16
        if let requested = requestedGatewayPort {
            guard !taken.contains(requested), LoopbackPort.isFree(requested) else { throw Self.portInUse(requested) }
            gatewayPort = requested
        } else {
            gatewayPort = try Self.demo { () throws(LoopbackPort.Failure) in try LoopbackPort.preferring(Self.preferredGatewayPort, avoiding: taken) }
        }
        taken.insert(gatewayPort)
        let controlPort = try Self.demo { () throws(LoopbackPort.Failure) in try LoopbackPort.preferring(Self.preferredControlPort, avoiding: taken) }

        // The dashboard's token: random, in a file only this user can read, never printed.
        let dashboardTokenFile = "\(directory)/dashboard-token"
        var random = SystemRandomNumberGenerator()
        let token = (0..<4).map { _ in String(random.next() as UInt64, radix: 16) }.joined()
        guard FileManager.default.createFile(atPath: dashboardTokenFile, contents: Data((token + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            throw DemoFailure("cannot write \(dashboardTokenFile)")
        }
        let configuration = DemoConfiguration(
            stateDirectory: "\(directory)/state", gatewayPort: gatewayPort, controlPort: controlPort,
            server: "\(sshd.user)@127.0.0.1:\(sshd.port)", identityFile: sshd.file(Self.tunnelKey), knownHostsFile: knownHostsFile,
            forwardPort: forwardPort, openAIBridgePort: bridges.openAIPort, authBridgePort: bridges.authPort,
            dashboardTokenFile: dashboardTokenFile)
        let configPath = "\(directory)/bridgekeeper.toml"
        do {
            try configuration.toml.write(toFile: configPath, atomically: true, encoding: .utf8)
        } catch {
            throw DemoFailure("cannot write \(configPath): \(error.localizedDescription)")
        }
        let control = try Self.controlAddress(checking: configPath)

        let daemon = try Self.demo { () throws(ChildProcess.StartFailure) in
            try ChildProcess(
                name: "bridgekeeper run", arguments: ["bridgekeeper", "run", "--config", configPath], executable: executable,
                logPath: "\(directory)/daemon.log")
        }
        self.daemon = daemon
        note("bridgekeeper run (pid \(daemon.pid)): gateway 127.0.0.1:\(gatewayPort), control 127.0.0.1:\(controlPort); waiting for the tunnel and the probes")

        guard let report = try await waitUntilReady(control: control) else { return nil }
        return DemoInstructions(
            gatewayPort: gatewayPort, configPath: configPath, executablePath: Self.absolutePath(of: executable), directory: directory,
            status: report.text(colour: isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil),
            demoPID: getpid(), daemonPID: daemon.pid, sshdPID: sshd.pid ?? 0, sshdPort: sshd.port, forwardPort: forwardPort,
            openAIBridgePort: bridges.openAIPort, authBridgePort: bridges.authPort, dashboardTokenFile: dashboardTokenFile,
            stateDirectory: configuration.stateDirectory)
    }

    /// `path` with every link resolved (`/proc/self/exe` becomes the binary's own path); `path`
    /// itself if it cannot be resolved.
    private static func absolutePath(of path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Polls the control endpoint until the tunnel is up, the demo bridge live and the other one
    /// `auth_required`; nil when asked to stop meanwhile.
    private func waitUntilReady(control: BindAddress) async throws(DemoFailure) -> StatusReport? {
        let deadline = ContinuousClock.now + Self.readyTimeout
        var last: StatusReport?
        while stop.requested == nil {
            try checkChildren()
            // libcurl blocks: on a thread of its own, never on the cooperative pool.
            if let report = await BlockingWork.run("bk-demo-status", { try? ControlClient.status(at: control, timeout: .seconds(2)) }) {
                last = report
                if let tunnel = report.tunnels.first, tunnel.state == .failed || tunnel.state == .exposed {
                    throw DemoFailure(
                        "the tunnel through the demo sshd is \(tunnel.state.rawValue) (\(tunnel.failure?.rawValue ?? "?")): \(tunnel.reason ?? "no reason given")\n"
                            + "sshd's log:\n\(sshd?.logTail() ?? "")")
                }
                let states = Dictionary(report.bridges.map { ($0.name, $0.state) }, uniquingKeysWith: { first, _ in first })
                if report.tunnels.allSatisfy({ $0.state == .up }), states["demo"] == "live", states["m365"] == "auth_required" {
                    return report
                }
            }
            guard ContinuousClock.now < deadline else {
                let seen = last.map { "the daemon reports:\n\($0.text())" } ?? "the control endpoint \(control) never answered"
                throw DemoFailure("the topology was not ready within \(Self.readyTimeout); \(seen)\nthe daemon's log:\n\(daemon?.logTail() ?? "")")
            }
            try? await Task.sleep(for: .milliseconds(250))
        }
        return nil
    }

    /// Waits for a stop signal, watching the children meanwhile.
    private func serve() async throws(DemoFailure) {
        while stop.requested == nil {
            try checkChildren()
            try? await Task.sleep(for: .milliseconds(200))
        }
    }

    /// Throws when the daemon or sshd has ended on its own.
    private func checkChildren() throws(DemoFailure) {
        if let daemon, !daemon.isRunning {
            throw DemoFailure("bridgekeeper run (pid \(daemon.pid)) \(daemon.ending ?? "ended") on its own; its log:\n\(daemon.logTail())")
        }
        if let failure = sshd?.failure { throw DemoFailure(failure) }
    }

    /// Stops what was started, newest first, and removes the directory.
    private func shutdown() async {
        note(stop.requested.map { "\($0): stopping" } ?? "stopping")
        if let daemon {
            await BlockingWork.run("bk-demo-stop") { daemon.stop(grace: .seconds(10)) }
            note("bridgekeeper run (pid \(daemon.pid)) \(daemon.ending ?? "stopped")")
        }
        if let sshd {
            await BlockingWork.run("bk-demo-stop") { sshd.stop(grace: .seconds(3)) }
            note("sshd stopped")
        }
        if let bridges {
            await bridges.stop()
            note("demo bridges stopped")
        }
        if let directory {
            do {
                try FileManager.default.removeItem(atPath: directory)
                note("removed \(directory)")
            } catch {
                note("could not remove \(directory): \(error.localizedDescription)")
            }
        }
    }

    /// Loads the generated config as `run` will, checks it against the policy, and returns the
    /// control endpoint's address. A failure here is a bug in the demo, reported as such.
    private static func controlAddress(checking path: String) throws(DemoFailure) -> BindAddress {
        let environment = ProcessInfo.processInfo.environment
        do {
            let configuration = try Configuration.load(path: path, environment: environment)
            let policy = try configuration.loadPolicy(override: nil, environment: environment)
            let report = configuration.exposureReport(policy: policy)
            guard !report.hasViolations else { throw DemoFailure("the generated config \(path) breaks the policy (a bug in the demo):\n\(report.text)") }
            return try configuration.controlAddress(policy: policy)
        } catch let error as ConfigurationError {
            throw DemoFailure("the generated config \(path) is invalid (a bug in the demo): \(error.message)")
        } catch let error as DemoFailure {
            throw error
        } catch {
            throw DemoFailure("the generated config \(path): \(error)")
        }
    }

    /// The user key the demo's tunnel logs in with.
    static let tunnelKey = "demo_ed25519"

    /// A private sshd configured as `units/sshd-bridgekeeper.conf` configures the gateway host's:
    /// `GatewayPorts no`, and remote forwards (and connections back to them, which bridgekeeper
    /// uses to prove a listener is its own) allowed for the demo's one forward only.
    static func sshdConfiguration(directory: String, port: UInt16, forward: UInt16) -> PrivateSSHD.Configuration {
        PrivateSSHD.Configuration(
            directory: directory, port: port, userKeys: [PrivateSSHD.UserKey(name: tunnelKey, keygenOptions: ["-t", "ed25519"])],
            settings: [
                "GatewayPorts no",
                "PermitListen 127.0.0.1:\(forward)",
                "PermitOpen 127.0.0.1:\(forward)",
                "AllowStreamLocalForwarding no",
                "PermitTunnel no",
                "X11Forwarding no",
                "AllowAgentForwarding no",
                "PermitTTY no",
                "ForceCommand /usr/sbin/nologin",
                "ClientAliveInterval 15",
                "ClientAliveCountMax 3",
            ])
    }

    /// Runs `work`, saying its failure as the demo's.
    private static func demo<Value, Failure: Error & CustomStringConvertible>(_ work: () throws(Failure) -> Value) throws(DemoFailure) -> Value {
        do {
            return try work()
        } catch {
            throw DemoFailure(error.description)
        }
    }

    /// `--port` names a port something else listens on.
    private static func portInUse(_ port: UInt16) -> DemoFailure {
        DemoFailure("--port \(port): 127.0.0.1:\(port) is already in use; pick another port or leave --port out")
    }

    /// A fresh directory, readable by this user only, in the temporary directory.
    private static func makeDirectory() throws(DemoFailure) -> String {
        let base = FileManager.default.temporaryDirectory.path
        var template = Array("\(base)/bridgekeeper-demo-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw DemoFailure("cannot create a temporary directory in \(base): \(String(cString: strerror(errno)))")
        }
        return String(cString: made)
    }

    /// A progress line on stderr.
    private func note(_ text: String) {
        FileHandle.standardError.write(Data("demo: \(text)\n".utf8))
    }
}
