import CurlHTTP
import BridgeProbe
import Foundation
import Store

extension ProbeRecord {
    /// The row for one probe.
    init(_ result: ProbeResult, at time: Date) {
        self.init(
            bridge: result.bridge, time: time, verdict: result.verdict.state.rawValue, httpStatus: result.verdict.httpStatus,
            reason: result.verdict.reason, message: result.verdict.message, connectMs: result.timings.connectMs,
            tlsMs: result.timings.tlsMs, firstByteMs: result.timings.firstByteMs, totalMs: result.timings.totalMs)
    }
}
