import Foundation

extension FakeBridge {
    /// What ``runPausedAfterFirstChunk(_:environment:)`` saw.
    public struct PausedRun: Sendable {
        /// Whether the bridge sent its first chunk within a minute of the script starting.
        public let firstChunkSent: Bool
        /// The script's result.
        public let result: PythonClient.Result
        /// From the resume to the script's end.
        public let afterResume: Duration
    }

    /// Runs `script` (a Python client streaming from this bridge) while the bridge pauses after
    /// its first chunk for far longer than anything here waits, holds the pause 1.5 s once that
    /// chunk went out (long enough to show in the client's arrival times), then resumes it. Only a
    /// resume lets the script end in time. Synchronous, with the script on a thread of its own.
    public func runPausedAfterFirstChunk(_ script: String, environment: [String: String]) throws -> PausedRun {
        pauseAfterFirstChunk = .seconds(120)
        let run = PythonClient.start(script, environment: environment, timeout: .seconds(110))
        let firstChunkSent = waitUntilFirstChunkSent(timeout: .seconds(60))
        Thread.sleep(forTimeInterval: 1.5)
        let resumed = ContinuousClock.now
        resumePausedStreams()
        let result = try run.wait()
        return PausedRun(firstChunkSent: firstChunkSent, result: result, afterResume: ContinuousClock.now - resumed)
    }
}
