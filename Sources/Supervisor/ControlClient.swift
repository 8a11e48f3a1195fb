import CurlHTTP
import Foundation
public import Policy

/// Asks a running daemon for its status over the loopback control endpoint, through libcurl (the
/// HTTP client probes use): no proxy settings apply, nothing leaves the host, and whatever answers
/// there is read within a size limit and decoded, never trusted to be well formed.
public enum ControlClient {
    /// Why the daemon could not be asked.
    public struct Unreachable: Error, CustomStringConvertible {
        public let description: String
    }

    /// More than this is not a status report.
    static let maxResponseBytes = 8 << 20

    /// `GET /v1/status` from the control endpoint at `address`. Blocks: call it off the
    /// cooperative pool.
    public static func status(at address: BindAddress, timeout: Duration = .seconds(5)) throws(Unreachable) -> StatusReport {
        let request = HTTPRequest(url: "http://\(address)/v1/status", timeout: timeout, maxResponseBytes: maxResponseBytes + 1)
        switch HTTPExchange.perform(request).result {
        case .failure(let failure) where failure.kind == .refused:
            throw Unreachable(description: "no daemon answers on \(address) (connection refused)")
        case .failure(let failure):
            throw Unreachable(description: "\(address): \(failure.detail)")
        case .response(let status, _, _) where status != 200:
            throw Unreachable(description: "\(address) answered \(status)")
        case .response(_, _, let body) where body.count > maxResponseBytes:
            throw Unreachable(description: "\(address) answered with more than \(maxResponseBytes) bytes, which is not a status report")
        case .response(_, _, let body):
            do {
                return try StatusReport.decoder.decode(StatusReport.self, from: Data(body))
            } catch {
                throw Unreachable(description: "\(address) answered, but not with a status report")
            }
        }
    }
}
