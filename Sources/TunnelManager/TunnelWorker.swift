import Foundation
import Logging
import Platform
import Policy
import Synchronization

/// Holds one reverse or local tunnel on a dedicated thread: connect, verify, authenticate,
/// forward, and on failure wait as ``TunnelRetry`` says (backoff, or until a person acts).
final class TunnelWorker: Sendable {
    /// How long connect + handshake + authentication may take.
    static let connectTimeout: Duration = .seconds(15)
    let spec: TunnelSpec
    private let logger: Logger
    private let stop = StopSignal()
    private let board: StatusBoard
    private let done = DispatchSemaphore(value: 0)

    init(spec: TunnelSpec, board: StatusBoard, logger: Logger) {
        self.spec = spec
        self.board = board
        var logger = logger
        logger[metadataKey: "tunnel"] = "\(spec.name)"
        self.logger = logger
    }

    /// Starts the thread.
    func start() {
        DedicatedThread.start("bk-tunnel-\(spec.name)") { [self] in
            main()
            done.signal()
        }
    }

    /// Stops the thread and waits until its session is closed.
    func shutdown() {
        stop.stop()
        done.wait()
    }

    private func main() {
        var retry = TunnelRetry(keepalive: spec.keepalive)
        var random = SystemRandomNumberGenerator()
        var lastFailure: FailureClass?
        var carried: (in: UInt64, out: UInt64) = (0, 0)
        while !stop.isStopped {
            board.update(spec.name) { $0.enter(.connecting, failure: nil, reason: nil) }
            let filesBefore = watchedFiles()
            do {
                try hold(retry: &retry, carried: &carried)
            } catch is StopRequested {
                break
            } catch {
                let (failure, wait) = retry.failed(
                    error as? TunnelFailure ?? TunnelFailure(.disconnected, "\(error)"), at: .now, using: &random)
                board.update(spec.name) {
                    $0.enter(failure.failure.state, failure: failure.failure, reason: failure.reason)
                    $0.retryAt = wait.longest.map { Date() + $0.timeInterval }
                }
                let message: Logger.Message = "tunnel \(failure.failure.state.rawValue): \(UntrustedText.clean(failure.reason, limit: 1000))"
                if lastFailure == failure.failure && !failure.failure.needsPerson {
                    logger.debug(message, metadata: ["failure": "\(failure.failure.rawValue)"])
                } else {
                    logger.warning(message, metadata: ["failure": "\(failure.failure.rawValue)"])
                }
                lastFailure = failure.failure
                switch wait {
                case .backoff(let delay): _ = stop.sleep(delay)
                case .untilFixed(let limit): waitForPerson(atMost: limit, filesBefore: filesBefore)
                }
            }
        }
    }

    /// One attempt: returns only by throwing.
    private func hold(retry: inout TunnelRetry, carried: inout (in: UInt64, out: UInt64)) throws {
        guard let server = spec.server, let identityFile = spec.identityFile, let knownHostsFile = spec.knownHostsFile else {
            throw TunnelFailure(.authFailed, "the tunnel needs server, identity_file and known_hosts")
        }
        let knownHosts: KnownHosts
        do {
            knownHosts = try KnownHosts.load(path: knownHostsFile)
        } catch {
            throw TunnelFailure(.hostkeyUnknown, "cannot read known_hosts: \(error)")
        }
        _ = try IdentityKey.check(path: identityFile)
        let deadline = ContinuousClock.now + Self.connectTimeout
        let transport = try SSHTransport.open(
            to: server, proxyCommand: spec.proxyCommand, timeout: Self.connectTimeout, logger: logger)
        let session: SSHSession
        do {
            session = try SSHSession(transport: transport, stop: stop)
        } catch {
            transport.close()
            throw error
        }
        defer { session.close() }
        let lookupHost = spec.hostKeyAlias ?? server.host
        let lookupPort: UInt16 = spec.hostKeyAlias == nil ? server.port : 22
        let lookupName = lookupPort == 22 ? lookupHost : "[\(lookupHost)]:\(lookupPort)"
        try session.handshake(preferring: knownHosts.keyTypes(host: lookupHost, port: lookupPort), deadline: deadline)
        let key = session.hostKey()
        switch knownHosts.verify(host: lookupHost, port: lookupPort, keyType: key.type, key: key.blob) {
        case .match:
            break
        case .unknown:
            throw TunnelFailure(
                .hostkeyUnknown,
                "the server's \(key.type) key \(key.fingerprint) is not in \(knownHostsFile) under \(lookupName); check the fingerprint out of band, then add it (ssh-keyscan -p \(server.port) \(server.host))")
        case .mismatch:
            throw TunnelFailure(
                .hostkeyMismatch,
                "the server's \(key.type) key \(key.fingerprint) differs from the one in \(knownHostsFile) for \(lookupName): the host key changed or someone is in the middle; find out which before replacing the entry")
        case .revoked:
            throw TunnelFailure(
                .hostkeyMismatch, "the server's \(key.type) key \(key.fingerprint) is marked @revoked in \(knownHostsFile)")
        }
        try session.authenticate(user: server.user, identityFile: identityFile, deadline: deadline)
        let loop = ForwardingLoop(session: session, spec: spec, stop: stop, logger: logger)
        try loop.establish()
        board.update(spec.name) {
            $0.enter(.up, failure: nil, reason: nil)
            $0.forwards = loop.forwards
        }
        logger.notice(
            "tunnel up",
            metadata: [
                "server": "\(server.user)@\(server.host):\(server.port)",
                "forwards": "\(loop.forwards.map { "\($0.listen)→\($0.target ?? "-")" }.joined(separator: ","))",
            ])
        retry.up(spec.forwards.map(\.listen), at: .now)
        let before = carried
        defer {
            carried = (before.in + loop.bytesIn, before.out + loop.bytesOut)
            board.update(spec.name) { status in
                for index in status.forwards.indices { status.forwards[index].active = false }
                status.openChannels = 0
            }
        }
        try loop.run {
            board.update(spec.name) { status in
                status.bytesIn = before.in + loop.bytesIn
                status.bytesOut = before.out + loop.bytesOut
                status.openChannels = loop.openChannels
            }
        }
    }

    /// Modification times of the files a person would edit to fix a failure.
    private func watchedFiles() -> [String: Date] {
        var result: [String: Date] = [:]
        for path in [spec.identityFile, spec.knownHostsFile].compactMap({ $0 }) {
            result[path] = (try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate]) as? Date ?? .distantPast
        }
        return result
    }

    /// Waits until a watched file changes, `atMost` passes, or a stop.
    private func waitForPerson(atMost limit: Duration?, filesBefore: [String: Date]) {
        let deadline = limit.map { ContinuousClock.now + $0 }
        while !stop.isStopped {
            if let deadline, ContinuousClock.now >= deadline { return }
            if watchedFiles() != filesBefore {
                logger.notice("identity_file or known_hosts changed; retrying")
                return
            }
            _ = stop.sleep(.seconds(1))
        }
    }
}
