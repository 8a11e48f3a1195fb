import Policy

/// Why an attempt to hold a tunnel ended: a class for status and policy, a sentence for people.
struct TunnelFailure: Error, Sendable, CustomStringConvertible {
    /// The class, which decides whether and when to retry.
    let failure: FailureClass
    /// What happened and, where known, what to do.
    let reason: String
    /// For a reverse forward the server refused while nothing listened on its port: that listen
    /// address, so that ``ForwardRefusals`` can tell a listener being freed from server policy.
    let unheldListen: BindAddress?

    init(_ failure: FailureClass, _ reason: String, unheldListen: BindAddress? = nil) {
        self.failure = failure
        self.reason = reason
        self.unheldListen = unheldListen
    }

    var description: String { "\(failure.rawValue): \(reason)" }
}
