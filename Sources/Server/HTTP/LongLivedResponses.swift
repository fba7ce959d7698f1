/// A response body produced over time on the event loop (Server-Sent Events). The loop asks it
/// for bytes at every sweep (every 100 ms) and writes them; the stream costs no thread, and a
/// client that does not read is dropped once `HTTPLimits.maxStreamBufferBytes` are waiting.
public protocol ResponseStream: AnyObject, Sendable {
    /// What to send now (events, a heartbeat; empty for nothing), or nil when the stream is over.
    func next(now: Double) -> [UInt8]?
    /// The connection closed (the client left, was too slow, or the server stops).
    func closed()
}

/// An answer that is not ready yet (a long poll). The loop asks again at every sweep, holding no
/// thread, until it gives a response.
public protocol PendingResponse: AnyObject, Sendable {
    func poll(now: Double) -> Response?
}

/// A pending answer whose eventual response is changed on the way out, so what middleware adds to
/// an immediate answer (the request id, CORS headers) is on a long poll's answer too.
final class MappedPendingResponse: PendingResponse, @unchecked Sendable {
    private let inner: any PendingResponse
    private let transform: @Sendable (Response) -> Response

    init(_ inner: any PendingResponse, _ transform: @escaping @Sendable (Response) -> Response) {
        self.inner = inner
        self.transform = transform
    }

    func poll(now: Double) -> Response? { inner.poll(now: now).map(transform) }
}

extension Response {
    /// Applies `change` to this response now and, for a pending one, to the answer it gives later.
    func alsoLater(_ change: @escaping @Sendable (Response) -> Response) -> Response {
        var response = change(self)
        if let pending { response.pending = MappedPendingResponse(pending, change) }
        return response
    }
}
