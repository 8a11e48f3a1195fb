import NIOCore

/// Turns an upstream's SSE stream into what the client receives, piece by piece: passed through
/// (watching for usage) or translated between dialects.
protocol StreamConversion: Sendable {
    /// The bytes the client gets as soon as the bridge has answered, before its first event.
    mutating func begin() -> [UInt8]
    /// Bytes from the upstream; returns the bytes for the client now (passed through: the same
    /// bytes, not a copy).
    mutating func take(_ buffer: ByteBuffer) -> ByteBuffer
    /// The upstream ended, cleanly (`failure` nil) or broken off (what broke it); returns the last
    /// bytes for the client. A stream that did not finish properly ends in the client dialect's
    /// error event, never as if complete.
    mutating func end(failure: String?) -> [UInt8]
    /// What to send the client during long upstream silence, if anything.
    var keepAlive: [UInt8]? { get }
    /// The usage the upstream reported, if any.
    var usage: TokenUsage? { get }
    /// Characters of generated output seen, for an estimate when no usage comes.
    var outputCharacters: Int { get }
    /// The error code of the stream's error event, when it ended in one.
    var errorCode: String? { get }
}

extension StreamConversion {
    /// Nothing, for a stream passed through: the bridge's own first event comes first.
    mutating func begin() -> [UInt8] { [] }
}
