import Foundation
import Glibc
import Logging
import ManagedBridges
import Synchronization
import TestSupport

/// Real processes for ``ManagedBridgeTests``: a log that keeps every message, a recorder of
/// published states, and procfs look-ups for what is left running.
enum ManagedBridgeFixture {
    /// The Python interpreter itself, not a version manager's shim script in front of it.
    static let python: String = {
        for path in ["/usr/bin/python3", "/usr/local/bin/python3"] where access(path, X_OK) == 0 { return path }
        return "python3"
    }()

    /// Exposure checks fast enough for tests.
    static let fastChecks = ExposureCheckSchedule(fastInterval: .milliseconds(100), fastPeriod: .seconds(3), slowInterval: .milliseconds(500))

    /// One logged message.
    struct Entry: Sendable {
        let level: Logger.Level
        let message: String
        let metadata: [String: String]
    }

    /// Keeps every message logged through ``logger``.
    final class LogCollector: Sendable {
        private let entries = Mutex<[Entry]>([])

        /// A logger at trace level that writes here.
        var logger: Logger {
            var logger = Logger(label: "test") { _ in Handler(collector: self) }
            logger.logLevel = .trace
            return logger
        }

        /// Everything logged so far.
        var all: [Entry] { entries.withLock { $0 } }

        /// Messages of the bridge's output on `stream`.
        func lines(stream: String, bridge: String) -> [String] {
            all.filter { $0.metadata["stream"] == stream && $0.metadata["bridge"] == bridge }.map(\.message)
        }

        fileprivate func append(_ entry: Entry) { entries.withLock { $0.append(entry) } }

        private struct Handler: LogHandler {
            let collector: LogCollector
            var metadata: Logger.Metadata = [:]
            var logLevel: Logger.Level = .trace

            subscript(metadataKey key: String) -> Logger.Metadata.Value? {
                get { metadata[key] }
                set { metadata[key] = newValue }
            }

            func log(event: LogEvent) {
                let merged = metadata.merging(event.metadata ?? [:]) { $1 }
                collector.append(Entry(level: event.level, message: event.message.description, metadata: merged.mapValues(\.description)))
            }
        }
    }

    /// Records every state a bridge publishes, with when it arrived.
    final class StateRecorder: Sendable {
        private let entries = Mutex<[(at: ContinuousClock.Instant, state: ManagedBridgeState)]>([])

        /// Pass as `onChange`.
        func record(_ state: ManagedBridgeState) { entries.withLock { $0.append((.now, state)) } }

        /// The states so far, in order.
        var timeline: [(at: ContinuousClock.Instant, state: ManagedBridgeState)] { entries.withLock { $0 } }

        /// The states so far, without times.
        var states: [ManagedBridgeState] { timeline.map(\.state) }

        /// The pids the bridge reported running.
        var pids: [Int32] {
            states.compactMap { if case .running(let pid) = $0 { pid } else { nil } }
        }

        /// `(published at, until, lastExit)` of every backoff.
        var backoffs: [(at: ContinuousClock.Instant, until: ContinuousClock.Instant, lastExit: String)] {
            timeline.compactMap { entry in
                if case .backoff(let until, let lastExit) = entry.state { (entry.at, until, lastExit) } else { nil }
            }
        }

        /// Waits up to `timeout` for `condition` to hold over the states so far.
        func wait(_ what: String, timeout: Duration, until condition: ([ManagedBridgeState]) -> Bool) throws {
            try Wait.until(what, timeout: timeout, lastSeen: { "\(self.states.map(\.description))" }) { condition(states) }
        }
    }

    /// Whether `pid` is a process that still runs (neither gone nor a zombie).
    static func isLive(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return false }
        let state = stat[stat.index(after: close)...].split(separator: " ").first
        return state != "Z" && state != "X"
    }

    /// Live processes whose command line holds every one of `words` (as separate arguments).
    static func liveProcesses(withArguments words: [String]) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard pid != getpid(), let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            let arguments = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            return words.allSatisfy { word in arguments.contains { $0 == word || $0.contains(" \(word)") } } && isLive(pid)
        }
    }
}
