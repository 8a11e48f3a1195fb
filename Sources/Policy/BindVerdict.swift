/// The policy's answer for one bind, target or URL host.
public enum BindVerdict: Sendable, Equatable {
    /// A loopback address: allowed.
    case allowed(BindAddress)
    /// Not loopback, but a policy exception names this exact address and port.
    case excepted(BindAddress, PolicyException)
    /// Refused, with the rule and the fix.
    case refused(Refusal)
}
