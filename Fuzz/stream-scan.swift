@testable import StreamScan

/// The chat stream scanner on any bytes: split into events as the relay splits them, each scanned;
/// a character count can never exceed the event's bytes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    var start = 0
    while let end = ChatChunkScan.eventEnd(in: bytes, from: start) {
        precondition(end > start && end <= size)
        let scan = ChatChunkScan(UnsafeRawBufferPointer(rebasing: bytes[start..<end]))
        precondition(scan.characters <= end - start)
        start = end
    }
    _ = ChatChunkScan(UnsafeRawBufferPointer(rebasing: bytes[start...]))
    return 0
}
