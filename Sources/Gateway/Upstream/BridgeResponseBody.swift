import NIOCore
import Synchronization

/// A bridge's answer body as it arrives: buffers in order, read once. The connection fills it on
/// its event loop; the reader usually waits on the same loop (``EventLoopExecutor``), so a chunk
/// reaches the relay without a thread hop. Past `highWatermark` unread bytes the connection stops
/// reading from the bridge until the reader catches up. A body dropped before its end closes the
/// connection (nobody will read the rest); an abandoned exchange (a lost bridge, a cancelled
/// task) ends it with that error.
struct BridgeResponseBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer

    /// What waiting for the body gave: bytes, the end, or silence until the deadline asked for.
    enum Piece: Sendable {
        case bytes(ByteBuffer)
        case end
        case silence
    }

    private let reader: Reader

    init(_ stream: Stream) {
        reader = Reader(stream)
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(reader: reader) }

    struct AsyncIterator: AsyncIteratorProtocol {
        fileprivate let reader: Reader

        mutating func next() async throws -> ByteBuffer? {
            switch try await reader.stream.next(silenceAfter: nil) {
            case .bytes(let buffer): buffer
            case .end, .silence: nil
            }
        }

        /// The next piece, or `.silence` when nothing came by `deadline`.
        func next(silenceAfter deadline: NIODeadline) async throws -> Piece {
            try await reader.stream.next(silenceAfter: deadline)
        }
    }

    /// The whole body, at most `limit` bytes; beyond that it throws ``BridgeClientError/Code/tooLarge``.
    func collect(upTo limit: Int) async throws -> ByteBuffer {
        var collected = ByteBuffer()
        for try await var buffer in self {
            guard collected.readableBytes + buffer.readableBytes <= limit else { throw BridgeClientError(.tooLarge) }
            if collected.readableBytes == 0 { collected = buffer } else { collected.writeBuffer(&buffer) }
        }
        return collected
    }

    /// The reader's handle: when the last copy of the body goes, an unfinished stream is
    /// abandoned and its connection closed.
    fileprivate final class Reader: Sendable {
        let stream: Stream

        init(_ stream: Stream) {
            self.stream = stream
        }

        deinit { stream.readerGone() }
    }

    /// The buffers between the connection (producer, on its loop) and the reader.
    final class Stream: Sendable {
        /// What the connection does when the reader wants more, or no more.
        struct Control: Sendable {
            /// The reader drained this stream's buffer below the low watermark: read from the
            /// bridge again.
            var resume: @Sendable (Stream) -> Void
            /// The reader gave up on this stream (`error` says why): close the connection, if it
            /// still carries this stream.
            var abandon: @Sendable (Stream, any Error) -> Void
        }

        private struct State {
            var buffered = CircularBuffer<ByteBuffer>()
            var bufferedBytes = 0
            var paused = false
            /// Set once: `nil` error is a clean end.
            var ended: (any Error)??
            var waiter: UnsafeContinuation<Piece, any Error>?
            /// Which wait a silence timer belongs to, and the timer of the current one.
            var waitNumber = 0
            var silenceTimer: Scheduled<Void>?
        }

        /// What a buffer keeps in memory: a body part is a slice of the read buffer it came in,
        /// and keeps all of it.
        private static func held(_ buffer: ByteBuffer) -> Int { Swift.max(buffer.readableBytes, buffer.storageCapacity) }

        static let highWatermark = 256 << 10
        static let lowWatermark = 64 << 10

        private let state = Mutex(State())
        private let loop: any EventLoop
        private let control: Control

        init(loop: any EventLoop, control: Control) {
            self.loop = loop
            self.control = control
        }

        // MARK: the connection's side, on its loop

        /// Bytes from the bridge; returns false when the reader is behind and reading should pause.
        func yield(_ buffer: ByteBuffer) -> Bool {
            let (waiter, timer, keepReading) = state.withLock { state -> (UnsafeContinuation<Piece, any Error>?, Scheduled<Void>?, Bool) in
                guard state.ended == nil else { return (nil, nil, true) }
                if state.waiter != nil {
                    let (waiter, timer) = Self.takeWaiter(&state)
                    return (waiter, timer, true)
                }
                state.buffered.append(buffer)
                state.bufferedBytes += Self.held(buffer)
                if state.bufferedBytes >= Self.highWatermark { state.paused = true }
                return (nil, nil, !state.paused)
            }
            timer?.cancel()
            waiter?.resume(returning: .bytes(buffer))
            return keepReading
        }

        /// The body ended: cleanly (`error` nil) or not.
        func finish(_ error: (any Error)? = nil) {
            let (waiter, timer) = state.withLock { state -> (UnsafeContinuation<Piece, any Error>?, Scheduled<Void>?) in
                guard state.ended == nil else { return (nil, nil) }
                state.ended = .some(error)
                return Self.takeWaiter(&state)
            }
            timer?.cancel()
            if let error { waiter?.resume(throwing: error) } else { waiter?.resume(returning: .end) }
        }

        // MARK: the reader's side

        /// Ends the stream with `error` unless it ended already, and lets the connection go.
        func cancel(_ error: any Error) {
            let (waiter, timer, abandoned) = state.withLock { state -> (UnsafeContinuation<Piece, any Error>?, Scheduled<Void>?, Bool) in
                guard state.ended == nil else { return (nil, nil, false) }
                state.ended = .some(error)
                state.buffered.removeAll()
                let (waiter, timer) = Self.takeWaiter(&state)
                return (waiter, timer, true)
            }
            timer?.cancel()
            waiter?.resume(throwing: error)
            if abandoned { control.abandon(self, error) }
        }

        /// The reader dropped the body: unless it ended, nobody will read the rest.
        func readerGone() {
            guard state.withLock({ $0.ended == nil }) else { return }
            cancel(BridgeClientError(.closed))
        }

        fileprivate func next(silenceAfter deadline: NIODeadline?) async throws -> Piece {
            if case .piece(let piece) = try poll(waiter: nil) { return piece }
            return try await withTaskCancellationHandler {
                try await withUnsafeThrowingContinuation { continuation in
                    do {
                        switch try poll(waiter: continuation) {
                        case .piece(let piece): continuation.resume(returning: piece)
                        case .waiting(let wait):
                            guard let deadline else { return }
                            let timer = loop.scheduleTask(deadline: deadline) { [self] in silence(wait) }
                            let late = state.withLock { state in
                                guard state.waitNumber == wait, state.waiter != nil else { return true }
                                state.silenceTimer = timer
                                return false
                            }
                            if late { timer.cancel() }
                        }
                    } catch {
                        continuation.resume(throwing: error)
                    }
                }
            } onCancel: {
                cancel(CancellationError())
            }
        }

        private enum Poll {
            case piece(Piece)
            case waiting(Int)
        }

        /// A piece already there; else, with a `waiter`, registers it (all under one lock, so no
        /// piece can slip between the look and the wait). Throws how the body failed.
        private func poll(waiter: UnsafeContinuation<Piece, any Error>?) throws -> Poll {
            let (poll, resume) = try state.withLock { state throws -> (Poll, Bool) in
                if let buffer = state.buffered.popFirst() {
                    state.bufferedBytes -= Self.held(buffer)
                    let resume = state.paused && state.bufferedBytes <= Self.lowWatermark
                    if resume { state.paused = false }
                    return (.piece(.bytes(buffer)), resume)
                }
                switch state.ended {
                case .some(.none): return (.piece(.end), false)
                case .some(.some(let error)): throw error
                case .none: break
                }
                precondition(state.waiter == nil, "a bridge's body has one reader")
                state.waitNumber += 1
                state.waiter = waiter
                return (.waiting(state.waitNumber), false)
            }
            if resume { control.resume(self) }
            return poll
        }

        private func silence(_ wait: Int) {
            let waiter = state.withLock { state -> UnsafeContinuation<Piece, any Error>? in
                guard state.waitNumber == wait else { return nil }
                state.silenceTimer = nil
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume(returning: .silence)
        }

        /// Takes the waiter, if any, and the silence timer it set, to resume it with a piece.
        private static func takeWaiter(_ state: inout State) -> (UnsafeContinuation<Piece, any Error>?, Scheduled<Void>?) {
            defer {
                state.waiter = nil
                state.silenceTimer = nil
            }
            return (state.waiter, state.silenceTimer)
        }
    }
}
