import Foundation
import TestSupport

/// Runs the built binary (next to the test bundle, as SwiftPM lays out products).
enum Bridgekeeper {
    struct Result {
        let status: Int32
        let output: String
        let errors: String
    }

    static var executable: URL {
        if let path = ProcessInfo.processInfo.environment["BRIDGEKEEPER_BIN"] { return URL(fileURLWithPath: path) }
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        // The test bundle may be a directory (.xctest) or a plain executable in the products folder.
        while !FileManager.default.isExecutableFile(atPath: directory.appendingPathComponent("bridgekeeper").path),
            directory.path != "/"
        {
            directory.deleteLastPathComponent()
        }
        return directory.appendingPathComponent("bridgekeeper")
    }

    /// The environment the binary runs with: this one, plus a fresh `STATE_DIRECTORY` so a config
    /// without `state_dir` does not put a database in the working directory, and without systemd's
    /// variables (a test runner started by systemd would otherwise hand them on).
    static var environment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        for name in ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "JOURNAL_STREAM"] { environment[name] = nil }
        environment["STATE_DIRECTORY"] = FileManager.default.temporaryDirectory
            .appendingPathComponent("bridgekeeper-test-state-\(UUID().uuidString)").path
        return environment
    }

    /// Runs to completion and captures both streams.
    static func run(_ arguments: [String]) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = environment
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Drain stderr concurrently so neither pipe can fill and block the child.
        nonisolated(unsafe) var errorData = Data()
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) { errorData = errors.fileHandleForReading.readDataToEndOfFile() }
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, output: String(decoding: outputData, as: UTF8.self),
            errors: String(decoding: errorData, as: UTF8.self))
    }

    /// Starts a long-running command whose stderr (and stdout too, with
    /// `includingStandardOutput`) can be waited on; `extraEnvironment` is added to ``environment``.
    /// With a `launcher` (a program and its arguments), that runs the binary: `launcher + [binary] + arguments`.
    static func start(
        _ arguments: [String], includingStandardOutput: Bool = false, extraEnvironment: [String: String] = [:],
        launcher: [String] = []
    ) throws -> Running {
        let process = Process()
        process.executableURL = launcher.first.map(URL.init(fileURLWithPath:)) ?? executable
        process.arguments = launcher.isEmpty ? arguments : Array(launcher.dropFirst()) + [executable.path] + arguments
        process.environment = environment.merging(extraEnvironment) { _, extra in extra }
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = includingStandardOutput ? errors : FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        let running = Running(process: process)
        errors.fileHandleForReading.readabilityHandler = { handle in running.append(handle.availableData) }
        try process.run()
        return running
    }

    final class Running: @unchecked Sendable {
        // `lock` guards `errors`, appended from the pipe's handler thread.
        let process: Process
        private let lock = NSCondition()
        private var errors = Data()

        init(process: Process) {
            self.process = process
        }

        func append(_ data: Data) {
            lock.lock()
            errors.append(data)
            lock.broadcast()
            lock.unlock()
        }

        /// Everything the process wrote to stderr so far.
        var output: String {
            lock.lock()
            defer { lock.unlock() }
            return String(decoding: errors, as: UTF8.self)
        }

        /// How many times `text` appears in ``output`` so far (e.g. debug-logged probes).
        func occurrences(of text: String) -> Int {
            output.components(separatedBy: text).count - 1
        }

        /// SIGTERM and waits for the exit, if it still runs.
        func stop() {
            guard process.isRunning else { return }
            process.terminate()
            process.waitUntilExit()
        }

        /// Waits until the process exits, at most `timeout`; whether it did.
        func waitForExit(timeout: Duration) -> Bool {
            let deadline = ContinuousClock.now + timeout
            lock.lock()
            defer { lock.unlock() }
            while process.isRunning {
                // The pipe handler broadcasts on output; the process's end closes the pipe too.
                if ContinuousClock.now >= deadline { return false }
                _ = lock.wait(until: Date().addingTimeInterval(0.1))
            }
            return true
        }

        /// Waits until stderr contains `text` or the process exits; a deadline, not a sleep.
        func waitForOutput(containing text: String, timeout: Duration) -> Bool {
            let deadline = Date().addingTimeInterval(Double(timeout.components.seconds))
            lock.lock()
            defer { lock.unlock() }
            while !String(decoding: errors, as: UTF8.self).contains(text) {
                if !process.isRunning || !lock.wait(until: deadline) { return String(decoding: errors, as: UTF8.self).contains(text) }
            }
            return true
        }
    }
}

/// The `[supervisor]` and `[gateway]` sections of a daemon config on free loopback ports, with
/// its database in `state`.
func daemonSections(state: String) throws -> String {
    """
    [supervisor]
    control = "127.0.0.1:\(try TestSSHD.freePort())"
    state_dir = "\(state)"

    [gateway]
    listen = "127.0.0.1:\(try TestSSHD.freePort())"

    """
}
