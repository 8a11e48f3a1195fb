import Translation

/// The order-keeping JSON parser on any bytes; what parses is written back and parsed again.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = JSONParser.lastMember("model", in: bytes)
    guard let json = try? JSONParser.parse(bytes) else { return 0 }
    let written = json.bytes
    guard let again = try? JSONParser.parse(written), again.bytes == written else {
        fatalError("JSON written by the writer does not parse back to the same bytes")
    }
    return 0
}
