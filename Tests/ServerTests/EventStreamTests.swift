import Foundation
import Testing
import TestSupport
@testable import Core
@testable import Server
#if canImport(Glibc)
    import Glibc
#endif

/// `GET /v1/events/stream` (Server-Sent Events served by the event loops) and the long poll on
/// `GET /v1/setups/{id}`, over real sockets.
@Suite(.serialized) struct EventStreamTests {
    /// Opens a stream and reads its head; the client then reads events.
    static func openStream(_ port: Int, query: String = "", lastEventID: Int? = nil, timeout: Double = 5) throws -> (RawClient, RawResponse) {
        let client = try RawClient(port: port, timeout: timeout)
        let resume = lastEventID.map { "Last-Event-ID: \($0)\r\n" } ?? ""
        client.send("GET /v1/events/stream\(query) HTTP/1.1\r\nHost: localhost\r\n\(resume)\r\n")
        return (client, try client.readResponse())
    }

    static func create(_ port: Int) throws {
        let client = try RawClient(port: port)
        client.send("POST /v1/setups HTTP/1.1\r\nHost: localhost\r\nContent-Length: \(validSetupJSON.utf8.count)\r\n\r\n\(validSetupJSON)")
        #expect(try client.readResponse().status == 202)
    }

    /// The ids of the next `count` events (comments and `retry:` frames skipped).
    static func ids(_ client: RawClient, count: Int) throws -> [Int] {
        var ids: [Int] = []
        while ids.count < count {
            if let id = try client.readEvent().id { ids.append(id) }
        }
        return ids
    }

    static func allIDs(_ server: TestServer) throws -> [Int] {
        try server.database.read { try TransitionLog.page($0, after: 0, limit: 10_000) }.map(\.id)
    }

    @Test func twoProcessesWriteAndAStreamResumesWithoutGapOrRepeat() throws {
        let server = try TestServer()
        // A second privatelinkd process on the same database.
        let other = try ProcessTests.RunningServer(arguments: ["--port", "0", "--db", server.database.path, "--workers", "0", "--log-level", "warning"])
        try #require(other.waitForListening() != nil, "stderr: \(other.stderr)")
        let (first, head) = try Self.openStream(server.port, query: "?after=0")
        #expect(head.status == 200 && head.header("Content-Type")?.hasPrefix("text/event-stream") == true)
        for _ in 0..<3 {
            try Self.create(server.port)
            try Self.create(other.port)
        }
        let written = try Self.allIDs(server)
        #expect(written.count >= 6 * 3)
        let seen = try Self.ids(first, count: written.count)
        #expect(seen == written, "every row, in order, once")
        // Resume from the middle after more rows (from the other process) arrived meanwhile.
        let resumeAt = seen[seen.count / 2]
        try Self.create(other.port)
        try Self.create(other.port)
        let all = try Self.allIDs(server)
        let (second, _) = try Self.openStream(server.port, lastEventID: resumeAt)
        #expect(try Self.ids(second, count: all.count - all.firstIndex(of: resumeAt)! - 1) == all.filter { $0 > resumeAt })
        kill(other.process.processIdentifier, SIGTERM)
        #expect(other.waitForExit() == 0)
    }

    @Test func aWrittenRowReachesAnOpenStreamWithinASecond() throws {
        let server = try TestServer()
        let (client, _) = try Self.openStream(server.port)  // from now on
        _ = try client.readEvent()  // the retry frame: the stream is live
        let started = monotonicSeconds()
        try Self.create(server.port)
        let event = try client.readEvent()
        let elapsed = monotonicSeconds() - started
        #expect(event.id != nil && event.data?.contains("\"to_state\":\"pending\"") == true)
        #expect(elapsed < 1.0, "took \(elapsed) s")
    }

    @Test func streamsBeyondTheCapAreRefusedAndASlowReaderIsDropped() throws {
        var limits = HTTPLimits()
        limits.maxStreamBufferBytes = 16 * 1024
        let server = try TestServer(limits: limits, maxStreams: 1)
        // A client that reads nothing, with a small receive buffer.
        let slow = try RawClient(port: server.port, timeout: 10)
        var small: Int32 = 4096
        setsockopt(slow.fd, SOL_SOCKET, SO_RCVBUF, &small, socklen_t(MemoryLayout<Int32>.size))
        slow.send("GET /v1/events/stream?after=0 HTTP/1.1\r\nHost: localhost\r\n\r\n")
        // Its stream holds the one slot before anyone else asks (a probe first would take it, and
        // the slow client would get a 503 instead of a stream).
        #expect(try slow.readResponse().status == 200)
        // The cap: while it is open, another stream gets 503 with Retry-After.
        let (_, refused) = try Self.openStream(server.port)
        #expect(refused.status == 503 && refused.header("Retry-After") == "5")
        #expect(refused.json?["error"]?["code"]?.stringValue == "service_unavailable")
        // Far more events than the kernel's buffers and the stream's 16 KiB hold.
        for _ in 0..<300 { try Self.create(server.port) }
        // Wait (bounded) for the server to drop it *without reading it*: reading first would drain
        // the buffers and make the reader fast. /metrics counts the open streams.
        var open = 1
        for _ in 0..<200 where open > 0 {
            let client = try RawClient(port: server.port)
            client.send("GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n")
            let text = try client.readResponse().text
            open =
                text.split(separator: "\n").first { $0.hasPrefix("privatelinkd_sse_streams_open ") }.flatMap { Int(Double($0.split(separator: " ")[1]) ?? 1) }
                ?? 1
            if open > 0 { usleep(50_000) }  // polling the server's own count, bounded by the loop
        }
        #expect(open == 0, "the slow reader's stream was closed")
        #expect(slow.waitForClose(), "the slow reader was dropped")
        // Its slot is free again.
        var reopened = 0
        for _ in 0..<50 {
            if try Self.openStream(server.port).1.status == 200 {
                reopened = 200
                break
            }
        }
        #expect(reopened == 200)
    }

    @Test func aLongPollAnswersOnChangeOr304AtItsDeadline() throws {
        let server = try TestServer()
        try Self.create(server.port)
        let id = try #require(try server.store.list(filter: SetupFilter(), limit: 1, after: nil).setups.first?.id)
        let client = try RawClient(port: server.port)
        client.send("GET /v1/setups/\(id) HTTP/1.1\r\nHost: localhost\r\n\r\n")
        let etag = try #require(try client.readResponse().header("ETag"))
        // Nothing changes: 304 once the wait is over, not before.
        let started = monotonicSeconds()
        client.send("GET /v1/setups/\(id)?wait=300ms HTTP/1.1\r\nHost: localhost\r\nIf-None-Match: \(etag)\r\n\r\n")
        #expect(try client.readResponse().status == 304)
        #expect(monotonicSeconds() - started >= 0.3)
        // A change answers the waiting request with the new state.
        client.send("GET /v1/setups/\(id)?wait=30s HTTP/1.1\r\nHost: localhost\r\nIf-None-Match: \(etag)\r\n\r\n")
        _ = try server.store.requestTeardown(id, deleteAdopted: false, actor: "test")
        let changed = try client.readResponse()
        #expect(changed.status == 200 && changed.header("ETag") != etag)
        #expect(changed.json?["status"]?.stringValue == "deleting")
        // The wait is bounded.
        client.send("GET /v1/setups/\(id)?wait=2m HTTP/1.1\r\nHost: localhost\r\nIf-None-Match: \(changed.header("ETag")!)\r\n\r\n")
        #expect(try client.readResponse().status == 400)
    }
}
