/// Reads SSH wire-format fields (RFC 4251 §5): uint32 and length-prefixed strings.
struct SSHWireReader {
    private let data: [UInt8]
    private var offset = 0

    init(_ data: [UInt8]) { self.data = data }

    /// The next `count` raw bytes.
    mutating func take(_ count: Int) -> [UInt8]? {
        guard count >= 0, offset + count <= data.count else { return nil }
        defer { offset += count }
        return Array(data[offset..<offset + count])
    }

    /// A big-endian uint32.
    mutating func uint32() -> UInt32? {
        take(4).map { $0.reduce(0) { $0 << 8 | UInt32($1) } }
    }

    /// A length-prefixed byte string.
    mutating func bytes() -> [UInt8]? {
        guard let length = uint32() else { return nil }
        return take(Int(length))
    }

    /// A length-prefixed UTF-8 string.
    mutating func string() -> String? {
        bytes().map { String(decoding: $0, as: UTF8.self) }
    }
}
