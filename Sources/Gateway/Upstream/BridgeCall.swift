import NIOCore
import Synchronization

/// One request on its way to a bridge, made and answered on one event loop. ``cancel(_:)`` (a lost
/// bridge, a cancelled task) ends it from any thread wherever it is: connecting, waiting for the
/// answer, or streaming the body, which then throws that error.
final class BridgeCall: Sendable {
    let request: BridgeClient.Request
    let target: BridgeClient.Target
    let loop: any EventLoop
    private let client: BridgeClient
    private let promise: EventLoopPromise<BridgeResponse>

    private enum Phase {
        case connecting
        case sent(NIOLoopBound<BridgeConnection>)
        case answered(BridgeResponseBody.Stream)
        case ended
    }

    private struct State {
        var phase = Phase.connecting
        var cancelled: (any Error)?
        /// A call goes to a new connection at most once after a kept-alive one closed under it.
        var retried = false
        /// The promise is completed once: by the answer, a failure or a cancel, whichever is first.
        var completed = false
    }

    private let state = Mutex(State())

    init(request: BridgeClient.Request, target: BridgeClient.Target, loop: any EventLoop, client: BridgeClient) {
        self.request = request
        self.target = target
        self.loop = loop
        self.client = client
        promise = loop.makePromise()
    }

    /// The answer's head (its body follows in ``BridgeResponse/body``), or why there is none.
    func response() async throws -> BridgeResponse {
        try await withTaskCancellationHandler {
            try await promise.futureResult.get()
        } onCancel: {
            cancel(CancellationError())
        }
    }

    /// Ends the call with `error`, unless its answer has been read to the end already.
    func cancel(_ error: any Error) {
        let phase = state.withLock { state -> Phase? in
            guard state.cancelled == nil else { return nil }
            state.cancelled = error
            return state.phase
        }
        switch phase {
        case .connecting:
            complete(.failure(error))
        case .sent(let connection):
            complete(.failure(error))
            loop.execute { connection.value.failCall(self, error) }
        case .answered(let stream):
            stream.cancel(error)
        case .ended, .none:
            break
        }
    }

    // MARK: the client's and the connection's side, on the loop

    /// The call goes out on `connection`; false when it was cancelled meanwhile.
    func sent(on connection: BridgeConnection) -> Bool {
        let bound = NIOLoopBound(connection, eventLoop: loop)
        return state.withLock { state in
            guard state.cancelled == nil else { return false }
            state.phase = .sent(bound)
            return true
        }
    }

    func answered(_ response: BridgeResponse, stream: BridgeResponseBody.Stream) {
        // A cancel that came while the answer was on its way ends the body it began.
        let cancelled = state.withLock { state in
            state.phase = .answered(stream)
            return state.cancelled
        }
        if let cancelled { return stream.cancel(cancelled) }
        complete(.success(response))
    }

    /// The connection closed before the answer came; `retryable` when the bridge cannot have seen
    /// the request (a kept-alive connection it had closed).
    func connectionLost(_ error: any Error, retryable: Bool) {
        let retry = state.withLock { state in
            guard retryable, !state.retried, state.cancelled == nil else { return false }
            state.retried = true
            state.phase = .connecting
            return true
        }
        if retry {
            client.dispatch(self, reuse: false)
        } else {
            failed(error)
        }
    }

    /// The call could not be sent (no connection).
    func failed(_ error: any Error) {
        state.withLock { $0.phase = .ended }
        complete(.failure(error))
    }

    private func complete(_ result: Result<BridgeResponse, any Error>) {
        let first = state.withLock { state in
            defer { state.completed = true }
            return !state.completed
        }
        guard first else { return }
        promise.completeWith(result)
    }
}
