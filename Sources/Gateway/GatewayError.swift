public import HTTPTypes
public import Hummingbird
import NIOCore
import Translation

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
    /// Seconds to wait before trying again (`Retry-After`), where known.
    public let retryAfter: Int?
    /// Whether retrying can help (`x-should-retry`, which the openai and anthropic SDKs obey);
    /// nil leaves it to the client. False where someone must act first (a sign-in).
    public let shouldRetry: Bool?

    /// Makes an error.
    public init(_ status: HTTPResponse.Status, code: String, type: String, _ message: String, retryAfter: Int? = nil, shouldRetry: Bool? = nil) {
        self.status = status
        self.code = code
        self.type = type
        self.message = message
        self.retryAfter = retryAfter
        self.shouldRetry = shouldRetry
    }

    /// The JSON body in the OpenAI dialect.
    public var body: [UInt8] { body(in: .openAI) }

    /// The JSON body in `dialect`: OpenAI's `{"error": {message, type, param, code}}`, or
    /// Anthropic's `{"type": "error", "error": {type, message}}` with the gateway's `code` added.
    func body(in dialect: Dialect) -> [UInt8] {
        switch dialect {
        case .openAI:
            let error: JSON = ["message": .string(message), "type": .string(type), "param": nil, "code": .string(code)]
            return JSON(dictionaryLiteral: ("error", error)).bytes
        case .anthropic:
            let error: JSON = ["type": .string(anthropicType), "message": .string(message), "code": .string(code)]
            return JSON(dictionaryLiteral: ("type", "error"), ("error", error)).bytes
        }
    }

    /// Anthropic's error type for the status.
    var anthropicType: String {
        switch status.code {
        case 400, 422: "invalid_request_error"
        case 401: "authentication_error"
        case 403: "permission_error"
        case 404: "not_found_error"
        case 413: "request_too_large"
        case 429: "rate_limit_error"
        case 529: "overloaded_error"
        default: "api_error"
        }
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        response(in: Dialect(path: request.uri.path))
    }

    /// The response carrying this error in `dialect`.
    func response(in dialect: Dialect) -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        if let shouldRetry { headers[HTTPField.Name("x-should-retry")!] = shouldRetry ? "true" : "false" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body(in: dialect))))
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
