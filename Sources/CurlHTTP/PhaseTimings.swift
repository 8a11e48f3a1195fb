/// How long the phases of an HTTP exchange took, in milliseconds from its start (libcurl's
/// `*_TIME_T` figures). A phase that was not reached is nil.
public struct PhaseTimings: Sendable, Equatable, Codable {
    /// TCP connected.
    public var connectMs: Double?
    /// TLS handshake done (HTTPS only).
    public var tlsMs: Double?
    /// First response byte received.
    public var firstByteMs: Double?
    /// The exchange ended.
    public var totalMs: Double?

    /// Makes timings.
    public init(connectMs: Double? = nil, tlsMs: Double? = nil, firstByteMs: Double? = nil, totalMs: Double? = nil) {
        self.connectMs = connectMs
        self.tlsMs = tlsMs
        self.firstByteMs = firstByteMs
        self.totalMs = totalMs
    }
}
