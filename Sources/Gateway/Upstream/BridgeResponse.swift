import NIOHTTP1

/// A bridge's answer: its status and headers as soon as they came, the body as it comes.
struct BridgeResponse: Sendable {
    let status: HTTPResponseStatus
    let headers: HTTPHeaders
    let body: BridgeResponseBody
}
