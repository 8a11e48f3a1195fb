import Synchronization

/// Whether the demo was asked to stop, and by which signal; set from the signal-watching task,
/// read by the demo's main loop.
final class StopRequest: Sendable {
    private let signal = Mutex<String?>(nil)

    /// Records the first stop request.
    func request(_ name: String) {
        signal.withLock { if $0 == nil { $0 = name } }
    }

    /// The signal that asked the demo to stop, or nil while none has.
    var requested: String? { signal.withLock { $0 } }
}
