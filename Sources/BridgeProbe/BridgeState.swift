/// A bridge's state, in DESIGN.md's vocabulary.
public enum BridgeState: String, Sendable, Codable, CaseIterable {
    /// Answers its probe: usable.
    case live
    /// Answers, but someone must sign in first (401/403, or a body saying so).
    case authRequired = "auth_required"
    /// Connected, but answering with errors (5xx) or too slowly.
    case degraded
    /// Nothing answers.
    case down
    /// The tunnel it depends on is not up.
    case tunnelDown = "tunnel_down"
    /// It announced a rate or quota limit for everything it serves (a 429, 402, or words saying so
    /// to a completion); requests go to other routes until its reset.
    case limited
    /// A managed bridge listened beyond loopback and was stopped; not restarted until the config changes.
    case exposed
    /// Not probed yet.
    case unknown
}
