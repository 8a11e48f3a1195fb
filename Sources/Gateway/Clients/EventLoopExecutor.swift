import NIOCore
import Synchronization

/// A NIO event loop as a Swift task executor. A connection's handler runs with its channel's
/// loop as executor preference (``EventLoopAffineChannel``), so a request, its upstream call
/// (``BridgeClient`` makes it on the loop it is called on) and each chunk relayed stay on one
/// thread: no hop to the cooperative pool and back per chunk, no wake-up of another
/// thread. Nothing that blocks may run there, as nothing may block the cooperative pool: the
/// gateway's blocking work (the store, the ledger) has threads of its own.
final class EventLoopExecutor: TaskExecutor {
    let loop: any EventLoop

    private init(_ loop: any EventLoop) {
        self.loop = loop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }

    func asUnownedTaskExecutor() -> UnownedTaskExecutor {
        UnownedTaskExecutor(ordinary: self)
    }

    private static let executors = Mutex<[ObjectIdentifier: EventLoopExecutor]>([:])

    /// The one executor of `loop`.
    static func of(_ loop: any EventLoop) -> EventLoopExecutor {
        executors.withLock { executors in
            if let known = executors[ObjectIdentifier(loop)] { return known }
            let executor = EventLoopExecutor(loop)
            executors[ObjectIdentifier(loop)] = executor
            return executor
        }
    }
}
