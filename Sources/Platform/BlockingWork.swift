/// Runs blocking work — joining a thread, stopping child processes, waiting for a C library —
/// on a thread of its own and resumes the caller when it is done, so it never holds one of the
/// few threads of Swift's cooperative pool.
public enum BlockingWork {
    /// Runs `work` on a new ``DedicatedThread`` named `name`; returns what it returns, or throws what it throws.
    public static func run<Value: Sendable, Failure: Error>(
        _ name: String, _ work: @escaping @Sendable () throws(Failure) -> Value
    ) async throws(Failure) -> Value {
        let result: Result<Value, Failure> = await withCheckedContinuation { continuation in
            DedicatedThread.start(name) { continuation.resume(returning: Result { () throws(Failure) in try work() }) }
        }
        return try result.get()
    }
}
