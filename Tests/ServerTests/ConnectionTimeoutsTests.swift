import Testing
@testable import Server

/// The sweep's timeout rules, with made-up clocks: no sockets, no waiting.
@Suite struct ConnectionTimeoutsTests {
    struct Row: Sendable, CustomTestStringConvertible {
        let name: String
        let phase: HTTPConnection.Phase
        let midRequest: Bool
        let requestStartedAt: Double?
        let lastActivity: Double
        let writeStartedAt: Double?
        let draining: Bool
        let expected: ConnectionTimeouts.Action
        var testDescription: String { name }
    }

    // Limits: request 10 s, idle 60 s, write 30 s; now = 1000.
    static let rows: [Row] = [
        Row(
            name: "a request still arriving, within its 10 s", phase: .reading, midRequest: true, requestStartedAt: 991, lastActivity: 999, writeStartedAt: nil,
            draining: false, expected: .keep),
        Row(
            name: "a request trickling for over 10 s, however recent its last byte", phase: .reading, midRequest: true, requestStartedAt: 989,
            lastActivity: 999.9, writeStartedAt: nil, draining: false, expected: .requestTimedOut),
        Row(
            name: "a slow request is answered 408 even while draining", phase: .reading, midRequest: true, requestStartedAt: 980, lastActivity: 999,
            writeStartedAt: nil, draining: true, expected: .requestTimedOut),
        Row(
            name: "idle keep-alive within 60 s", phase: .reading, midRequest: false, requestStartedAt: nil, lastActivity: 941, writeStartedAt: nil,
            draining: false, expected: .keep),
        Row(
            name: "idle keep-alive past 60 s", phase: .reading, midRequest: false, requestStartedAt: nil, lastActivity: 939, writeStartedAt: nil,
            draining: false, expected: .close),
        Row(
            name: "idle while draining", phase: .reading, midRequest: false, requestStartedAt: nil, lastActivity: 999, writeStartedAt: nil, draining: true,
            expected: .close),
        Row(
            name: "an answer being written, within 30 s", phase: .writing, midRequest: false, requestStartedAt: nil, lastActivity: 990, writeStartedAt: 971,
            draining: false, expected: .keep),
        Row(
            name: "a client that stopped reading its answer", phase: .writing, midRequest: false, requestStartedAt: nil, lastActivity: 990, writeStartedAt: 969,
            draining: false, expected: .close),
        Row(
            name: "a handler still running is never cut", phase: .processing, midRequest: false, requestStartedAt: 0, lastActivity: 0, writeStartedAt: nil,
            draining: true, expected: .keep),
    ]

    @Test(arguments: rows)
    func action(_ row: Row) {
        var limits = HTTPLimits()
        limits.requestTimeout = 10
        limits.idleTimeout = 60
        limits.writeTimeout = 30
        #expect(
            ConnectionTimeouts.action(
                phase: row.phase, midRequest: row.midRequest, requestStartedAt: row.requestStartedAt,
                lastActivity: row.lastActivity, writeStartedAt: row.writeStartedAt, now: 1000,
                draining: row.draining, limits: limits) == row.expected)
    }
}
