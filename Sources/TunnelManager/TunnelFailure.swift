/// Why an attempt to hold a tunnel ended: a class for status and policy, a sentence for people.
struct TunnelFailure: Error, Sendable, CustomStringConvertible {
    /// The class, which decides whether and when to retry.
    let failure: FailureClass
    /// What happened and, where known, what to do.
    let reason: String

    init(_ failure: FailureClass, _ reason: String) {
        self.failure = failure
        self.reason = reason
    }

    var description: String { "\(failure.rawValue): \(reason)" }
}
