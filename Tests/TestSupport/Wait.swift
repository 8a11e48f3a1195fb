import Foundation
import Platform

/// The one way tests wait for something to happen: poll a condition until it holds, and fail
/// naming what was awaited (and, where given, what was last seen) when it does not in time.
public enum Wait {
    /// A wait that ran out of time.
    public struct Timeout: Error, CustomStringConvertible {
        /// "timed out after …  waiting for …", and the last observation if there was one.
        public let description: String
    }

    /// Polls `condition` every `interval` until it holds; throws ``Timeout`` naming `what` and,
    /// when `lastSeen` is given, describing what it last saw, after `timeout`.
    public static func until(
        _ what: @autoclosure () -> String, timeout: Duration, interval: Duration = .milliseconds(20),
        lastSeen: (() -> String)? = nil, _ condition: () throws -> Bool
    ) throws {
        try value(what(), timeout: timeout, interval: interval, lastSeen: lastSeen) { try condition() ? () : nil }
    }

    /// Polls `probe` every `interval` until it returns a value, and returns that value; throws
    /// ``Timeout`` naming `what` and, when `lastSeen` is given, describing what it last saw.
    @discardableResult
    public static func value<T>(
        _ what: @autoclosure () -> String, timeout: Duration, interval: Duration = .milliseconds(20),
        lastSeen: (() -> String)? = nil, _ probe: () throws -> T?
    ) throws -> T {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let found = try probe() { return found }
            guard ContinuousClock.now < deadline else {
                let seen = lastSeen.map { "; last seen: \($0())" } ?? ""
                throw Timeout(description: "timed out after \(timeout) waiting for \(what())\(seen)")
            }
            Thread.sleep(forTimeInterval: interval.timeInterval)
        }
    }
}
