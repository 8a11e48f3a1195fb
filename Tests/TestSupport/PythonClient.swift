public import Foundation
import Platform

#if canImport(Glibc)
import Glibc
#endif

/// Runs Python scripts with the repository's `.venv` (made by `scripts/setup`), which holds the
/// official `openai` and `anthropic` SDKs, so tests can drive the gateway with real clients.
///
/// The child runs isolated (`python -I`: no `PYTHON*` variables, no user site, the working
/// directory not on `sys.path`). Its environment is this process's without
/// proxy variables and without inherited `OPENAI_*`/`ANTHROPIC_*` settings, with `NO_PROXY=*`
/// (tests only talk to loopback), plus the variables the test passes. Spawned with `posix_spawn`;
/// killed with SIGKILL when it outlives its timeout.
///
/// The tests' scripts live as `.py` files in `Tests/IntegrationTests/Python/`, read from the source
/// tree (not bundled as resources): ``script(named:)`` gives a file's text (to run alone or after a
/// prelude script), ``run(scriptNamed:environment:timeout:)`` runs a file as it is. Scripts get
/// their inputs from environment variables (or `sys.argv`), never from Swift interpolation.
public enum PythonClient {
    /// What a script did.
    public struct Result: Sendable, CustomStringConvertible {
        /// The exit status, or 128 + the signal number if a signal ended it (137 after a timeout).
        public let status: Int32
        /// Everything the script wrote to stdout.
        public let stdout: String
        /// Everything the script wrote to stderr (a traceback, when it raised).
        public let stderr: String
        /// Whether the script was killed for outliving its timeout.
        public let timedOut: Bool

        /// stdout parsed as JSON (surrounding whitespace ignored).
        public func json() throws -> Any {
            do {
                return try JSONSerialization.jsonObject(with: Data(stdout.utf8), options: [.fragmentsAllowed])
            } catch {
                throw Failure("stdout is not JSON: \(error)\n\(self)")
            }
        }

        /// stdout parsed as a JSON object.
        public func jsonObject() throws -> [String: Any] {
            guard let object = try json() as? [String: Any] else { throw Failure("stdout is not a JSON object\n\(self)") }
            return object
        }

        /// stdout decoded as `type`.
        public func decode<T: Decodable>(_ type: T.Type) throws -> T {
            do {
                return try JSONDecoder().decode(type, from: Data(stdout.utf8))
            } catch {
                throw Failure("stdout does not decode as \(type): \(error)\n\(self)")
            }
        }

        /// The status, stdout and stderr, for failure messages.
        public var description: String {
            "python exited \(status)\(timedOut ? " (killed after its timeout)" : "")\n--- stdout\n\(stdout)\n--- stderr\n\(stderr)"
        }
    }

    /// Why a script could not be run or its output not read.
    public struct Failure: Error, CustomStringConvertible {
        /// What went wrong.
        public let description: String

        /// Makes a failure with the given message.
        public init(_ description: String) { self.description = description }
    }

    /// The repository root, found from this file's path.
    public static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // TestSupport
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()

    /// `Tests/IntegrationTests/Python`, the folder of the tests' Python scripts.
    public static let scriptsDirectory: URL = repositoryRoot.appendingPathComponent("Tests/IntegrationTests/Python")

    /// The path of `Tests/IntegrationTests/Python/<name>.py`.
    ///
    /// - Throws: ``Failure`` if there is no such file.
    public static func scriptPath(named name: String) throws -> String {
        let path = scriptsDirectory.appendingPathComponent(name + ".py").path
        guard FileManager.default.fileExists(atPath: path) else { throw Failure("no Python script \(path)") }
        return path
    }

    /// The text of `Tests/IntegrationTests/Python/<name>.py`, for ``run(_:environment:timeout:)``
    /// (alone, or after a prelude script of its own).
    ///
    /// - Throws: ``Failure`` if the file cannot be read.
    public static func script(named name: String) throws -> String {
        let path = try scriptPath(named: name)
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw Failure("cannot read \(path): \(error)")
        }
    }

    /// `.venv/bin/python` in the repository root, or `$BRIDGEKEEPER_TEST_PYTHON` when set (to run
    /// the client tests against other SDK versions).
    public static var interpreter: String {
        if let path = ProcessInfo.processInfo.environment["BRIDGEKEEPER_TEST_PYTHON"], !path.isEmpty { return path }
        return repositoryRoot.appendingPathComponent(".venv/bin/python").path
    }

    /// Runs `script` to completion and captures its output; blocks the calling thread.
    ///
    /// - Parameters:
    ///   - script: the program, passed to `python -I -c`.
    ///   - environment: variables added for the child, e.g. `OPENAI_BASE_URL`, `OPENAI_API_KEY`.
    ///   - timeout: how long the script may run before it is killed.
    /// - Throws: ``Failure`` if `.venv` is missing or the child cannot be spawned; a script that
    ///   fails or times out is a ``Result``, not an error.
    public static func run(
        _ script: String, environment: [String: String] = [:], timeout: Duration = .seconds(30)
    ) throws -> Result {
        try execute(["-c", script], environment: environment, timeout: timeout)
    }

    /// Runs the file `Tests/IntegrationTests/Python/<name>.py` (`python -I <path>`) like
    /// ``run(_:environment:timeout:)``; a traceback names the file and its lines.
    ///
    /// - Throws: ``Failure`` if there is no such file, `.venv` is missing or the child cannot be spawned.
    public static func run(
        scriptNamed name: String, environment: [String: String] = [:], timeout: Duration = .seconds(30)
    ) throws -> Result {
        try execute([try scriptPath(named: name)], environment: environment, timeout: timeout)
    }

    /// Runs the file `<name>.py` like ``run(scriptNamed:environment:timeout:)`` on a thread of its own.
    public static func run(
        scriptNamed name: String, environment: [String: String] = [:], timeout: Duration = .seconds(30)
    ) async throws -> Result {
        try await BlockingWork.run("PythonClient") { try run(scriptNamed: name, environment: environment, timeout: timeout) }
    }

    /// Runs `python -I arguments...` to completion and captures its output; blocks the calling thread.
    private static func execute(_ arguments: [String], environment: [String: String], timeout: Duration) throws -> Result {
        guard FileManager.default.isExecutableFile(atPath: interpreter) else {
            throw Failure("\(interpreter) is missing: run scripts/setup to create .venv with the openai and anthropic SDKs")
        }
        let output = Capture()
        let errors = Capture()
        let pid = try spawn(
            [interpreter, "-I"] + arguments, environment: childEnvironment(environment),
            stdout: output, stderr: errors)

        var status: Int32?
        var timedOut = false
        let deadline = ContinuousClock.now + timeout
        while status == nil {
            var raw: Int32 = 0
            let result = waitpid(pid, &raw, WNOHANG)
            if result == pid {
                status = ChildExit.code(raw)
            } else if result < 0 && errno != EINTR {
                throw Failure("waitpid: \(String(cString: strerror(errno)))")
            } else if ContinuousClock.now >= deadline {
                timedOut = true
                kill(pid, SIGKILL)
                while waitpid(pid, &raw, 0) < 0 && errno == EINTR {}
                status = ChildExit.code(raw)
            } else {
                Thread.sleep(forTimeInterval: 0.01)
            }
        }
        // A grandchild that kept the pipes open could hold them forever; do not wait on it long.
        let limit = Date(timeIntervalSinceNow: 2)
        return Result(
            status: status ?? -1, stdout: output.text(waitingUntil: limit), stderr: errors.text(waitingUntil: limit),
            timedOut: timedOut)
    }

    /// Runs `script` like ``run(_:environment:timeout:)`` on a thread of its own, so waiting never
    /// ties up a thread of the cooperative pool (which in-process servers may need meanwhile).
    public static func run(
        _ script: String, environment: [String: String] = [:], timeout: Duration = .seconds(30)
    ) async throws -> Result {
        try await BlockingWork.run("PythonClient") { try run(script, environment: environment, timeout: timeout) }
    }

    /// A script started with ``start(_:environment:timeout:)``, running on a thread of its own.
    public final class Background: @unchecked Sendable {
        private let finished = DispatchSemaphore(value: 0)
        private var outcome: Swift.Result<Result, any Error>?

        fileprivate init(_ body: @escaping @Sendable () throws -> Result) {
            let thread = Thread { [self] in
                outcome = Swift.Result { try body() }
                finished.signal()
            }
            thread.name = "PythonClient"
            thread.start()
        }

        /// Blocks until the script has ended; its result.
        public func wait() throws -> Result {
            finished.wait()
            finished.signal()
            return try outcome!.get()
        }
    }

    /// Starts `script` like ``run(_:environment:timeout:)`` without waiting for it: for a
    /// synchronous test that acts while the script runs. Nothing of the cooperative pool is
    /// needed meanwhile, so a busy pool cannot stall the test.
    public static func start(_ script: String, environment: [String: String] = [:], timeout: Duration = .seconds(30)) -> Background {
        Background { try run(script, environment: environment, timeout: timeout) }
    }

    /// Starts the file `<name>.py` like ``run(scriptNamed:environment:timeout:)`` without waiting
    /// for it; a missing file is the error ``Background/wait()`` throws.
    public static func start(scriptNamed name: String, environment: [String: String] = [:], timeout: Duration = .seconds(30)) -> Background {
        Background { try run(scriptNamed: name, environment: environment, timeout: timeout) }
    }

    // MARK: Internals

    /// This process's environment, cleaned for a loopback-only client, plus `extra`.
    static func childEnvironment(_ extra: [String: String]) -> [String: String] {
        let proxies: Set<String> = ["http_proxy", "https_proxy", "all_proxy", "no_proxy"]
        var environment = ProcessInfo.processInfo.environment.filter { key, _ in
            let upper = key.uppercased()
            return !proxies.contains(key.lowercased()) && !upper.hasPrefix("OPENAI_") && !upper.hasPrefix("ANTHROPIC_")
        }
        environment["NO_PROXY"] = "*"
        environment["no_proxy"] = "*"
        environment.merge(extra) { _, new in new }
        return environment
    }

    /// Collects a pipe's bytes on a thread of its own until EOF.
    private final class Capture: @unchecked Sendable {
        // `condition` guards `data` and `done`.
        private let condition = NSCondition()
        private var data: [UInt8] = []
        private var done = false

        func pump(_ fd: Int32) {
            let thread = Thread { [self] in
                var buffer = [UInt8](repeating: 0, count: 16384)
                while true {
                    let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                    if count < 0 && errno == EINTR { continue }
                    if count <= 0 { break }
                    condition.withLock { data += buffer.prefix(count) }
                }
                close(fd)
                condition.withLock { done = true }
                condition.broadcast()
            }
            thread.name = "PythonClient-pipe"
            thread.start()
        }

        func text(waitingUntil limit: Date) -> String {
            condition.lock()
            defer { condition.unlock() }
            while !done && condition.wait(until: limit) {}
            return String(decoding: data, as: UTF8.self)
        }
    }

    /// Starts `arguments` as the daemon starts its children (``ProcessGroupSpawn``), with stdin
    /// `/dev/null` and stdout and stderr into pipes read by the captures.
    private static func spawn(
        _ arguments: [String], environment: [String: String], stdout: Capture, stderr: Capture
    ) throws -> Int32 {
        // Close-on-exec socket pairs (Glibc does not export pipe2), so children spawned meanwhile
        // by other tests do not hold them open.
        var outPipe: [Int32] = [0, 0]
        var errPipe: [Int32] = [0, 0]
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        guard socketpair(AF_UNIX, type, 0, &outPipe) == 0 else {
            throw Failure("socketpair: \(String(cString: strerror(errno)))")
        }
        guard socketpair(AF_UNIX, type, 0, &errPipe) == 0 else {
            close(outPipe[0])
            close(outPipe[1])
            throw Failure("socketpair: \(String(cString: strerror(errno)))")
        }
        defer {
            close(outPipe[1])
            close(errPipe[1])
        }

        let pid: pid_t
        do {
            pid = try ProcessGroupSpawn.spawn(
                arguments, environment: ChildEnvironment(parent: [:], extra: environment),
                stdin: .null, stdout: .descriptor(outPipe[1]), stderr: .descriptor(errPipe[1]))
        } catch {
            [outPipe[0], errPipe[0]].forEach { close($0) }
            throw Failure("posix_spawn \(arguments[0]): \(error)")
        }
        stdout.pump(outPipe[0])
        stderr.pump(errPipe[0])
        return pid
    }
}
