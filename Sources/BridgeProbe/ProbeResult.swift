public import CurlHTTP
/// One probe's verdict and phase timings.
public struct ProbeResult: Sendable, Equatable {
    /// The bridge probed.
    public var bridge: String
    /// What the probe says.
    public var verdict: ProbeVerdict
    /// How long its phases took.
    public var timings: PhaseTimings

    /// Makes a result.
    public init(bridge: String, verdict: ProbeVerdict, timings: PhaseTimings) {
        self.bridge = bridge
        self.verdict = verdict
        self.timings = timings
    }
}
