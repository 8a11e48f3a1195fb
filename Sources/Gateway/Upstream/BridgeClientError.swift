import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

#if canImport(Glibc)
import Glibc
#endif

/// Why an exchange with a bridge failed, in words fit for a client, the ledger and the log: never
/// the URL, a header or a body.
struct BridgeClientError: Error, Sendable, CustomStringConvertible {
    enum Code: Sendable, Equatable {
        /// The bridge's URL is not one the client can dial.
        case invalidURL
        /// Nothing listens there.
        case refused
        /// The connection was not set up within the connect timeout.
        case connectTimeout
        /// The connection or its TLS handshake failed otherwise.
        case connectFailed
        /// Silence longer than the read timeout, waiting for the answer or between its bytes.
        case readTimeout
        /// The exchange outlived the longest it may take.
        case deadlineExceeded
        /// The bridge closed the connection before its answer ended.
        case closed
        /// The answer broke HTTP/1.1.
        case protocolError
        /// A body larger than the caller takes.
        case tooLarge
    }

    let code: Code
    /// What the system said, for `connectFailed` and `protocolError` (no URL, no data).
    let detail: String?

    init(_ code: Code, detail: String? = nil) {
        self.code = code
        self.detail = detail
    }

    var description: String {
        switch code {
        case .invalidURL: "its URL cannot be dialled" + (detail.map { " (\($0))" } ?? "")
        case .refused: "connection refused"
        case .connectTimeout: "connect timed out"
        case .connectFailed: "cannot connect" + (detail.map { " (\($0))" } ?? "")
        case .readTimeout: "no answer in time"
        case .deadlineExceeded: "the exchange took longer than it may"
        case .closed: "closed the connection"
        case .protocolError: "answered with broken HTTP" + (detail.map { " (\($0))" } ?? "")
        case .tooLarge: "answered with a body too large"
        }
    }

    /// An error on an open connection as one of the codes above.
    static func exchanging(_ error: any Error) -> BridgeClientError {
        switch error {
        case let error as BridgeClientError: error
        // The bridge closed in the middle of an answer.
        case HTTPParserError.invalidEOFState: BridgeClientError(.closed)
        case let error as HTTPParserError: BridgeClientError(.protocolError, detail: "\(error)")
        case let error as NIOSSLError: BridgeClientError(.connectFailed, detail: String("TLS: \(error)".prefix(200)))
        case let error as IOError: BridgeClientError(.closed, detail: String("\(error)".prefix(120)))
        default: BridgeClientError(.protocolError, detail: String("\(error)".prefix(120)))
        }
    }

    /// A connect's failure as one of the codes above.
    static func connecting(_ error: any Error) -> BridgeClientError {
        switch error {
        case let error as BridgeClientError: return error
        case ChannelError.connectTimeout: return BridgeClientError(.connectTimeout)
        case let error as IOError where error.errnoCode == ECONNREFUSED: return BridgeClientError(.refused)
        case let error as NIOConnectionError:
            if error.connectionErrors.contains(where: { ($0.error as? IOError)?.errnoCode == ECONNREFUSED }) {
                return BridgeClientError(.refused)
            }
            if error.connectionErrors.contains(where: { if case ChannelError.connectTimeout = $0.error { true } else { false } }) {
                return BridgeClientError(.connectTimeout)
            }
            return BridgeClientError(.connectFailed, detail: error.connectionErrors.first.map { String("\($0.error)".prefix(120)) })
        default: return BridgeClientError(.connectFailed, detail: String("\(error)".prefix(120)))
        }
    }
}
