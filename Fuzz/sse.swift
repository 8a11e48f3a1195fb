import Translation

/// The SSE parser on any bytes, fed in two pieces split where the first byte says.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let split = bytes.isEmpty ? 0 : Int(bytes[0]) % bytes.count
    var parser = SSEParser()
    _ = parser.feed(bytes[..<split])
    _ = parser.feed(bytes[split...])
    _ = parser.finish()
    return 0
}
