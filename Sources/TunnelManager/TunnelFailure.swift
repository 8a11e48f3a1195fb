import Policy

/// Why an attempt to hold a tunnel ended: a class for status and policy, a sentence for people.
struct TunnelFailure: Error, Sendable, CustomStringConvertible {
    /// The class, which decides whether and when to retry.
    let failure: FailureClass
    /// What happened and, where known, what to do.
    let reason: String
    /// For a reverse forward the server refused with nothing seen listening on its port, so that
    /// ``ForwardRefusals`` can tell a listener being freed from server policy.
    let refusal: Refusal?

    /// A reverse forward the server refused while no listener was found on its port.
    struct Refusal: Sendable, Equatable {
        /// The forward's listen address.
        let listen: BindAddress
        /// True when a connection to the port through the session found nothing listening; false
        /// when the server did not allow the check (`AllowTcpForwarding remote`, no `PermitOpen`).
        let checked: Bool
    }

    init(_ failure: FailureClass, _ reason: String, refusal: Refusal? = nil) {
        self.failure = failure
        self.reason = reason
        self.refusal = refusal
    }

    var description: String { "\(failure.rawValue): \(reason)" }
}
