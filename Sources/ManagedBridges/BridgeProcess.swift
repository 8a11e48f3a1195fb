import Foundation
import Glibc
import Logging
import Platform
import Policy

/// One run of a managed bridge's command: a child in its own process group, with stdin from
/// `/dev/null` and stdout and stderr on sockets that the owning thread reads into the log.
///
/// Not thread-safe: only the ``ManagedBridge`` thread that spawned it touches it.
final class BridgeProcess {
    /// The child's process id, which is also its process group.
    let pid: Int32
    /// When it was spawned.
    let startedAt: ContinuousClock.Instant
    /// How it ended (`exited with status 1`, `killed by signal 9`) once reaped; waitpid answers once.
    private(set) var ending: String?
    private var outputs: [Output]
    private let logger: Logger

    /// The read end of one of the child's output streams.
    private struct Output {
        var fd: Int32
        let stream: String
        var lines = LineBuffer()
    }

    /// Spawns `command` (`command[0]` is the program: a path, or a name looked up in the daemon's
    /// `PATH`) with `environment`, as ``ProcessGroupSpawn`` starts every child.
    ///
    /// - Throws: a message naming the program when it cannot be started.
    init(command: [String], environment: ChildEnvironment, logger: Logger) throws(SpawnFailure) {
        guard let program = command.first, !program.isEmpty else { throw SpawnFailure(message: "cannot start an empty command") }
        var outputPipe: [Int32] = [-1, -1]
        var errorPipe: [Int32] = [-1, -1]
        // Sockets rather than pipes: SOCK_CLOEXEC is atomic, so a child spawned by another thread at
        // the same moment cannot inherit our ends.
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        guard socketpair(AF_UNIX, type, 0, &outputPipe) == 0 else {
            throw SpawnFailure(message: "cannot start \(program): socketpair: \(String(cString: strerror(errno)))")
        }
        guard socketpair(AF_UNIX, type, 0, &errorPipe) == 0 else {
            let message = String(cString: strerror(errno))
            close(outputPipe[0])
            close(outputPipe[1])
            throw SpawnFailure(message: "cannot start \(program): socketpair: \(message)")
        }
        // The child only writes: our ends never carry data its way.
        shutdown(outputPipe[0], Int32(SHUT_WR))
        shutdown(errorPipe[0], Int32(SHUT_WR))

        let spawned = Result { () throws(ProcessGroupSpawn.Failure) in
            try ProcessGroupSpawn.spawn(
                command, environment: environment, stdin: .null, stdout: .descriptor(outputPipe[1]), stderr: .descriptor(errorPipe[1]))
        }
        close(outputPipe[1])
        close(errorPipe[1])
        switch spawned {
        case .success(let child): pid = child
        case .failure(let failure):
            close(outputPipe[0])
            close(errorPipe[0])
            throw SpawnFailure(message: "cannot start \(program): \(failure)")
        }
        startedAt = .now
        outputs = [Output(fd: outputPipe[0], stream: "stdout"), Output(fd: errorPipe[0], stream: "stderr")]
        self.logger = logger
    }

    deinit {
        for output in outputs { close(output.fd) }
    }

    /// Why a command could not be started.
    struct SpawnFailure: Error {
        /// `cannot start /usr/local/bin/codex-bridge: No such file or directory`.
        let message: String
    }

    /// Reaps the child if it has ended; returns how it ended, or nil while it runs.
    @discardableResult
    func reap() -> String? {
        if ending == nil { ending = ChildExit.reap(pid) }
        return ending
    }

    /// Waits for the child to end (after SIGKILL) and reaps it.
    @discardableResult
    func reapBlocking() -> String {
        if ending == nil { ending = ChildExit.reap(pid, blocking: true) }
        return ending ?? ""
    }

    /// Sends `signal` to the whole process group.
    func signalGroup(_ signal: Int32) {
        kill(-pid, signal)
    }

    /// Waits up to `timeout` for output (or for `wake` to become readable), and logs the lines read.
    /// Returns early when `wake` is readable.
    func pump(timeout: Duration, wake: Int32) {
        var descriptors = [pollfd(fd: wake, events: Int16(POLLIN), revents: 0)]
        descriptors += outputs.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
        let ready = poll(&descriptors, nfds_t(descriptors.count), timeout.pollTimeout)
        guard ready > 0 else { return }
        for index in outputs.indices.reversed() where descriptors[index + 1].revents != 0 {
            readOnce(index)
        }
    }

    /// Reads and logs whatever output is already buffered, without waiting.
    func drain() {
        var rounds = 0
        while !outputs.isEmpty && rounds < 64 {
            var descriptors = outputs.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
            guard poll(&descriptors, nfds_t(descriptors.count), 0) > 0 else { return }
            for index in outputs.indices.reversed() where descriptors[index].revents != 0 { readOnce(index) }
            rounds += 1
        }
    }

    /// One read from a ready stream; at EOF the stream's last partial line is logged and it is closed.
    private func readOnce(_ index: Int) {
        var buffer = [UInt8](repeating: 0, count: 16384)
        let count = buffer.withUnsafeMutableBytes { read(outputs[index].fd, $0.baseAddress, $0.count) }
        if count < 0 && (errno == EINTR || errno == EAGAIN) { return }
        if count > 0 {
            for line in outputs[index].lines.append(buffer.prefix(count)) { log(line, stream: outputs[index].stream) }
            return
        }
        if let line = outputs[index].lines.finish() { log(line, stream: outputs[index].stream) }
        close(outputs[index].fd)
        outputs.remove(at: index)
    }

    /// Logs a line of the bridge's output, cleaned: it is untrusted text bound for a terminal or
    /// the journal.
    private func log(_ line: String, stream: String) {
        let line = UntrustedText.clean(line, limit: LineBuffer.maximumLength)
        guard !line.isEmpty else { return }
        logger.info("\(line)", metadata: ["stream": "\(stream)", "pid": "\(pid)"])
    }
}
