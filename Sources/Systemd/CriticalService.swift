import Foundation
public import Logging
import NIOCore
import Platform
public import ServiceLifecycle
import Synchronization

/// A service the daemon cannot run without. When it throws, or returns before shutdown, the
/// daemon goes down at once and says why: the failure is logged, the heartbeat stops (no more
/// watchdog pings), systemd hears `STOPPING=1` with `ERRNO=`, the error goes on to the
/// `ServiceGroup` (which cancels the rest and makes `run` exit non-zero), and if the process is
/// still there `deadline` later it exits with status 1 anyway: a daemon that half runs, with its
/// watchdog fed, is worse than one systemd restarts.
public struct CriticalService: Service, CustomStringConvertible {
    /// What every critical service of one daemon shares: the first failure wins.
    public final class Failure: Sendable {
        private let first = Mutex<String?>(nil)
        private let heartbeat: Heartbeat
        private let notifier: SystemdNotifier
        private let logger: Logger
        private let deadline: Duration

        /// How a daemon reports its first failure.
        public init(heartbeat: Heartbeat, notifier: SystemdNotifier, logger: Logger, deadline: Duration = .seconds(5)) {
            self.heartbeat = heartbeat
            self.notifier = notifier
            self.logger = logger
            self.deadline = deadline
        }

        /// The first failure's reason, if there was one.
        public var reason: String? { first.withLock { $0 } }

        fileprivate func report(_ reason: String, errno code: Int32) {
            let isFirst = first.withLock { first in
                guard first == nil else { return false }
                first = reason
                return true
            }
            guard isFirst else { return }
            heartbeat.stop()
            logger.critical("\(reason); stopping the daemon")
            notifier.failing(reason: reason, errno: code)
            let deadline = deadline
            let logger = logger
            DedicatedThread.start("bk-deadline") {
                Thread.sleep(forTimeInterval: deadline.timeInterval)
                logger.critical("the daemon did not stop within \(deadline) of the failure; exiting now")
                _exit(1)
            }
        }
    }

    private let service: any Service
    private let name: String
    private let failure: Failure

    /// `service`, called `name` in the reason, reporting to `failure`.
    public init(_ service: any Service, name: String, failure: Failure) {
        self.service = service
        self.name = name
        self.failure = failure
    }

    public var description: String { name }

    public func run() async throws {
        do {
            try await service.run()
        } catch {
            if !Task.isCancelled && !Task.isShuttingDownGracefully {
                failure.report("the \(name) failed: \(error)", errno: (error as? IOError)?.errnoCode ?? EIO)
            }
            throw error
        }
        if !Task.isCancelled && !Task.isShuttingDownGracefully {
            failure.report("the \(name) stopped by itself", errno: EIO)
        }
    }
}
