import Foundation

/// A task executor with a thread of its own: a task that prefers it (`Task(executorPreference:)`)
/// runs there, never on Swift's cooperative pool. Tests block pool threads (they wait with
/// `Thread.sleep`), and with the other core busy the pool's two threads could all be blocked, so
/// a helper task on the pool — one collecting statuses, say — did not run for seconds.
public final class ThreadExecutor: TaskExecutor, @unchecked Sendable {
    // `condition` guards `jobs` and `stopped`.
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var stopped = false

    /// Starts the thread, named `name`.
    public init(name: String) {
        let thread = Thread { [self] in run() }
        thread.name = name
        thread.start()
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Ends the thread once the jobs queued so far have run.
    public func stop() {
        condition.lock()
        stopped = true
        condition.signal()
        condition.unlock()
    }

    private func run() {
        while true {
            condition.lock()
            while jobs.isEmpty && !stopped { condition.wait() }
            if jobs.isEmpty {
                condition.unlock()
                return
            }
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
