import Foundation
public import HTTPTypes
public import Hummingbird
import NIOCore

/// An error as the client sees it, in the OpenAI dialect:
/// `{"error": {"message": …, "type": …, "code": …}}`. Messages name bridges and models, never
/// keys, tokens or URLs' secrets.
public struct GatewayError: Error, HTTPResponseError, Sendable, Equatable {
    /// The HTTP status.
    public let status: HTTPResponse.Status
    /// A stable code: `model_not_found`, `bridge_auth_required`, `tunnel_down`, `bridge_down`,
    /// `upstream_error`, `invalid_request`, `request_too_large`, …
    public let code: String
    /// What happened and, where known, what to do.
    public let message: String
    /// OpenAI's error type (`invalid_request_error`, `api_error`, …).
    public let type: String

    /// Makes an error.
    public init(_ status: HTTPResponse.Status, code: String, type: String, _ message: String) {
        self.status = status
        self.code = code
        self.type = type
        self.message = message
    }

    /// The JSON body.
    public var body: [UInt8] {
        let object: [String: Any] = ["error": ["message": message, "type": type, "code": code, "param": NSNull()]]
        return Array((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data())
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    static func invalid(_ message: String) -> GatewayError {
        GatewayError(.badRequest, code: "invalid_request", type: "invalid_request_error", message)
    }

    static func tooLarge(limit: Int) -> GatewayError {
        GatewayError(
            .contentTooLarge, code: "request_too_large", type: "invalid_request_error",
            "the request body is larger than the gateway's limit of \(limit) bytes")
    }

    static func modelNotFound(_ model: String, known: [String]) -> GatewayError {
        GatewayError(
            .notFound, code: "model_not_found", type: "invalid_request_error",
            "the model '\(model)' does not exist here; available: \(known.joined(separator: ", "))")
    }
}
