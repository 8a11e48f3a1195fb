import Logging
import ServiceLifecycle

/// The demo's two bridges, served from this process on loopback ports the system picks:
/// ``DemoOpenAIBridge`` (reached by the gateway through the reverse tunnel) and
/// ``DemoAuthBridge`` (reached directly).
final class DemoBridges: Sendable {
    /// The OpenAI-compatible bridge's port.
    let openAIPort: UInt16
    /// The `auth_required` bridge's port.
    let authPort: UInt16
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    private init(openAIPort: UInt16, authPort: UInt16, group: ServiceGroup, task: Task<Void, any Error>) {
        self.openAIPort = openAIPort
        self.authPort = authPort
        self.group = group
        self.task = task
    }

    /// Starts both and returns once both listen.
    static func start(logger: Logger) async throws(DemoFailure) -> DemoBridges {
        let (ports, listening) = AsyncStream.makeStream(of: (name: String, port: Int).self)
        let openAI = DemoOpenAIBridge.application(logger: logger) { listening.yield(("openai", $0)) }
        let auth = DemoAuthBridge.application(logger: logger) { listening.yield(("auth", $0)) }
        let group = ServiceGroup(
            configuration: .init(services: [.init(service: openAI), .init(service: auth)], gracefulShutdownSignals: [], logger: logger))
        let task = Task {
            defer { listening.finish() }
            try await group.run()
        }
        var found: [String: UInt16] = [:]
        for await (name, port) in ports {
            found[name] = UInt16(clamping: port)
            if found.count == 2 { break }
        }
        guard let openAIPort = found["openai"], let authPort = found["auth"], openAIPort > 0, authPort > 0 else {
            await group.triggerGracefulShutdown()
            let why: String
            do {
                try await task.value
                why = "they stopped at once"
            } catch {
                why = "\(error)"
            }
            throw DemoFailure("the demo bridges could not listen on 127.0.0.1: \(why)")
        }
        return DemoBridges(openAIPort: openAIPort, authPort: authPort, group: group, task: task)
    }

    /// Stops both (answers in flight are finished first) and waits until they are closed.
    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }
}
