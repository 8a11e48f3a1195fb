import Foundation

/// One request as a test server received it.
public struct RecordedRequest: Sendable {
    /// `GET`, `POST`, …
    public let method: String
    /// The request target, query included.
    public let path: String
    /// Header names lowercased.
    public let headers: [String: String]
    /// The body (de-chunked if it was sent chunked).
    public let body: String

    init(_ raw: HTTPRequestReader.Request) {
        method = raw.method
        path = raw.path
        headers = raw.headers
        body = raw.bodyText
    }

    /// The body as a JSON object, if it is one.
    public var json: [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any]
    }
}
