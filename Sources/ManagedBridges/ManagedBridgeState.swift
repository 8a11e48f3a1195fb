/// Where a managed bridge process is in its life, as published by ``ManagedBridge``.
public enum ManagedBridgeState: Sendable, Equatable, CustomStringConvertible {
    /// Spawning the command.
    case starting
    /// The command runs as `pid`, which is also its process group.
    case running(pid: Int32)
    /// The command ended or could not start (`lastExit`, e.g. `exited with status 1`, `killed by
    /// signal 9`, `cannot start /usr/local/bin/codex-bridge: No such file or directory`); it is
    /// started again at `until`.
    case backoff(until: ContinuousClock.Instant, lastExit: String)
    /// A process of the bridge listened beyond loopback; its process group was killed and it is not
    /// restarted until the config changes (the owner replaces the ``ManagedBridge``).
    case exposed(reason: String)
    /// Stopped by ``ManagedBridge/stop(grace:)``, or not started yet; nothing runs.
    case stopped

    /// Whether only a config change can bring the bridge back (the state is `exposed`).
    public var needsConfigChange: Bool {
        if case .exposed = self { return true }
        return false
    }

    /// The state's name: `starting`, `running`, `backoff`, `exposed` or `stopped`.
    public var name: String {
        switch self {
        case .starting: "starting"
        case .running: "running"
        case .backoff: "backoff"
        case .exposed: "exposed"
        case .stopped: "stopped"
        }
    }

    /// `running (pid 1234)`, `backoff (exited with status 1)`, `exposed (…)`.
    public var description: String {
        switch self {
        case .starting, .stopped: name
        case .running(let pid): "running (pid \(pid))"
        case .backoff(_, let lastExit): "backoff (\(lastExit))"
        case .exposed(let reason): "exposed (\(reason))"
        }
    }
}
