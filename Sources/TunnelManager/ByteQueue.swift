import Glibc

/// A fixed-capacity FIFO of bytes that sockets and libssh2 read into and write out of directly,
/// without copying through Swift arrays.
final class ByteQueue {
    /// The most bytes it holds.
    let capacity: Int
    private let storage: UnsafeMutableRawPointer
    private var head = 0
    private var tail = 0

    init(capacity: Int) {
        self.capacity = capacity
        storage = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
    }

    deinit { storage.deallocate() }

    /// Bytes waiting.
    var count: Int { tail - head }
    /// Whether nothing is waiting.
    var isEmpty: Bool { head == tail }
    /// Room left.
    var space: Int { capacity - count }

    /// Lets `fill` write into the free space (compacting first); `fill` returns how many bytes it
    /// wrote or a negative value, which is passed through.
    func fill(_ fill: (UnsafeMutableRawPointer, Int) -> Int) -> Int {
        if tail == capacity || (head > 0 && capacity - tail < capacity / 4) { compact() }
        let written = fill(storage + tail, capacity - tail)
        if written > 0 { tail += written }
        return written
    }

    /// Appends bytes; the caller checks `space` first.
    func append(_ bytes: UnsafeRawBufferPointer) {
        precondition(bytes.count <= space, "ByteQueue overflow")
        _ = fill { destination, _ in
            if let base = bytes.baseAddress { destination.copyMemory(from: base, byteCount: bytes.count) }
            return bytes.count
        }
    }

    /// Lets `drain` consume from the front; `drain` returns how many bytes it took or a negative
    /// value, which is passed through.
    func drain(_ drain: (UnsafeRawPointer, Int) -> Int) -> Int {
        guard !isEmpty else { return 0 }
        let taken = drain(storage + head, count)
        if taken > 0 {
            head += taken
            if head == tail { head = 0; tail = 0 }
        }
        return taken
    }

    /// The waiting bytes, copied (for small checks such as a nonce).
    var bytes: [UInt8] {
        Array(UnsafeRawBufferPointer(start: storage + head, count: count))
    }

    private func compact() {
        guard head > 0 else { return }
        (storage).copyMemory(from: storage + head, byteCount: count)
        tail -= head
        head = 0
    }
}
