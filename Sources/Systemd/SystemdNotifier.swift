import CSystemd
public import Foundation
import Synchronization

/// Tells systemd about the daemon's life through `sd_notify` (the `NOTIFY_SOCKET` datagram
/// socket of a `Type=notify` unit): `READY=1`, `STATUS=…`, `RELOADING=1`, `WATCHDOG=1`, `STOPPING=1`. Without
/// `NOTIFY_SOCKET` every call is a no-op, so the daemon runs the same outside systemd.
public final class SystemdNotifier: Sendable {
    /// Whether there is a socket to notify (`NOTIFY_SOCKET` is set and not empty).
    public let isEnabled: Bool
    /// The last `STATUS=` sent; the lock also keeps messages in the order they were asked for.
    private let lastStatus = Mutex<String?>(nil)

    /// A notifier for this process's `environment`.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        isEnabled = !(environment["NOTIFY_SOCKET"] ?? "").isEmpty
    }

    /// `READY=1` with the current status line: the daemon serves from now on.
    public func ready(status: String) {
        lastStatus.withLock { last in
            last = Self.oneLine(status)
            send("READY=1\nSTATUS=\(last ?? "")")
        }
    }

    /// `STATUS=…`, only when it differs from the last one sent.
    public func status(_ text: String) {
        lastStatus.withLock { last in
            let line = Self.oneLine(text)
            guard line != last else { return }
            last = line
            send("STATUS=\(line)")
        }
    }

    /// `RELOADING=1` with `MONOTONIC_USEC=` (now on `CLOCK_MONOTONIC`, as `Type=notify-reload`
    /// wants it), in one message: a reload has begun; ``ready(status:)`` says it is over.
    public func reloading() {
        lastStatus.withLock { last in
            last = "reloading"
            send("RELOADING=1\nMONOTONIC_USEC=\(bridgekeeper_monotonic_usec())\nSTATUS=reloading")
        }
    }

    /// `WATCHDOG=1`: the supervision loop is making progress.
    public func watchdog() {
        send("WATCHDOG=1")
    }

    /// `STOPPING=1`: graceful shutdown has begun.
    public func stopping() {
        lastStatus.withLock { last in
            last = "stopping"
            send("STOPPING=1\nSTATUS=stopping")
        }
    }

    /// `STOPPING=1` with `ERRNO=` and the reason as status: the daemon is going down on a failure.
    public func failing(reason: String, errno code: Int32) {
        lastStatus.withLock { last in
            last = Self.oneLine("failed: \(reason)")
            send("STOPPING=1\nERRNO=\(code)\nSTATUS=\(last ?? "")")
        }
    }

    /// Sends `state` (newline-separated assignments). A failure is not the daemon's problem: systemd
    /// then treats the service as its unit says (a missed READY fails the start, a missed
    /// WATCHDOG restarts it), which is the right outcome for a daemon that cannot reach it.
    private func send(_ state: String) {
        guard isEnabled else { return }
        _ = sd_notify(0, state)
    }

    /// A status must be one line: newlines would start new assignments.
    private static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}
