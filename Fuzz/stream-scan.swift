@testable import StreamScan

/// The chat stream scanner on any bytes, as the relay meets them: the bytes arrive in two reads
/// (split where the first byte says), complete events are cut off the front of what is pending and
/// each is scanned. An event ends past the last one and within the bytes; a character count never
/// exceeds the event's bytes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    let split = size == 0 ? 0 : Int(bytes[0]) % size
    var boundary = SSEEventBoundary()
    var pending = 0
    for arrived in [split, size] {
        let seen = UnsafeRawBufferPointer(rebasing: bytes[pending..<arrived])
        var complete = 0
        while let end = boundary.next(in: seen) {
            precondition(end > complete && end <= seen.count)
            let scan = ChatChunkScan(UnsafeRawBufferPointer(rebasing: seen[complete..<end]))
            precondition(scan.characters <= end - complete)
            complete = end
        }
        boundary.consumed(complete)
        pending += complete
    }
    _ = ChatChunkScan(UnsafeRawBufferPointer(rebasing: bytes[pending...]))
    return 0
}
