/// What the sweep does with one connection, decided from its phase and times alone: a pure
/// function, so every timeout rule is a row of a table test with made-up clocks.
enum ConnectionTimeouts {
    enum Action: Equatable {
        case keep
        /// The request began `requestTimeout` ago and is still not whole: answer 408 and close.
        case requestTimedOut
        /// Idle too long (or the server is draining), or the client stopped reading its answer: close.
        case close
    }

    /// - Parameters:
    ///   - midRequest: part of a request has arrived.
    ///   - requestStartedAt, lastActivity, writeStartedAt: monotonic seconds, as `HTTPConnection` keeps them.
    static func action(
        phase: HTTPConnection.Phase, midRequest: Bool, requestStartedAt: Double?, lastActivity: Double,
        writeStartedAt: Double?, now: Double, draining: Bool, limits: HTTPLimits
    ) -> Action {
        switch phase {
        case .reading:
            if midRequest {
                if let started = requestStartedAt, now - started > limits.requestTimeout { return .requestTimedOut }
                return .keep
            }
            return draining || now - lastActivity > limits.idleTimeout ? .close : .keep
        case .writing:
            if let started = writeStartedAt, now - started > limits.writeTimeout { return .close }
            return .keep
        case .processing:
            return .keep  // a handler is running; its answer is written, then the rules apply again
        case .waiting:
            return draining ? .close : .keep  // the pending answer keeps its own deadline
        case .streaming:
            if draining { return .close }
            if let started = writeStartedAt, now - started > limits.writeTimeout { return .close }  // the client stopped reading
            return .keep
        }
    }
}
