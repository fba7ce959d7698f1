import Foundation
import Testing
@testable import Core
@testable import Server
#if canImport(Glibc)
    import Glibc
#endif

/// The HTTP edge cases, on real sockets over loopback.
@Suite struct HTTPServerTests {
    @Test func keepAliveServesSeveralRequestsOnOneConnection() throws {
        let server = try TestServer()
        let client = try RawClient(port: server.port)
        for _ in 0..<3 {
            client.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
            let response = try client.readResponse()
            #expect(response.status == 200)
            #expect(response.header("Content-Type") == "application/json; charset=utf-8")
            #expect(response.header("Connection") == "keep-alive")
            #expect(response.json == .object([("status", "ok")]))
        }
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() throws {
        let server = try TestServer(workers: 4)
        let client = try RawClient(port: server.port)
        client.send(
            "GET /v1/sites/us1 HTTP/1.1\r\nHost: localhost\r\n\r\nGET /nope HTTP/1.1\r\nHost: localhost\r\n\r\n" + post("/v1/setups", validSetupJSON)
                + "GET /v1/sites/ap2 HTTP/1.1\r\nHost: localhost\r\n\r\n")
        let answers = try (0..<4).map { _ in try client.readResponse() }
        #expect(answers.map(\.status) == [200, 404, 202, 200])
        #expect(answers[0].json?["id"] == "us1")
        #expect(answers[3].json?["id"] == "ap2")
    }

    @Test func thousandsOfPipelinedReadsAreAnsweredInOrder() throws {
        let server = try TestServer()
        let client = try RawClient(port: server.port)
        let count = 2000
        client.send((0..<count).map { "GET /v1/sites/\($0 % 2 == 0 ? "us1" : "ap1") HTTP/1.1\r\nHost: localhost\r\n\r\n" }.joined())
        for i in 0..<count {
            let response = try client.readResponse()
            #expect(response.text.hasPrefix(#"{"id":"\#(i % 2 == 0 ? "us1" : "ap1")""#), "answer \(i) out of order")
        }
    }

    @Test func http10ClientGetsOneAnswerThenClose() throws {
        let server = try TestServer()
        let client = try RawClient(port: server.port)
        client.send("GET /healthz HTTP/1.0\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.status == 200)
        #expect(response.header("Connection") == "close")
        #expect(client.waitForClose())
    }

    @Test func headAnnouncesTheLengthWithoutABody() throws {
        let server = try TestServer()
        let client = try RawClient(port: server.port)
        client.send("HEAD /v1/sites HTTP/1.1\r\nHost: localhost\r\n\r\nGET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        let head = try client.readResponse(head: true)
        #expect(head.status == 200)
        #expect(Int(head.header("Content-Length") ?? "0")! > 100)
        #expect(head.body.isEmpty)
        // The next response starts right after the head: no body bytes were sent.
        #expect(try client.readResponse().json == .object([("status", "ok")]))
    }

    @Test func expectContinueIsAnsweredBeforeTheBodyIsSent() throws {
        let server = try TestServer()
        let client = try RawClient(port: server.port)
        client.send("POST /v1/setups HTTP/1.1\r\nHost: localhost\r\nContent-Length: \(validSetupJSON.utf8.count)\r\nExpect: 100-continue\r\n\r\n")
        let interim = try client.readResponse()
        #expect(interim.status == 100)
        client.send(validSetupJSON)
        let final = try client.readResponse()
        #expect(final.status == 202)
        #expect(final.header("Location")?.hasPrefix("/v1/setups/su_") == true)
    }

    @Test func chunkedRequestBody() throws {
        let server = try TestServer()
        let client = try RawClient(port: server.port)
        let body = Array(validSetupJSON.utf8)
        let half = body.count / 2
        var wire = "POST /v1/setups HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
        wire += String(half, radix: 16) + "\r\n" + String(decoding: body[0..<half], as: UTF8.self) + "\r\n"
        wire += String(body.count - half, radix: 16) + "\r\n" + String(decoding: body[half...], as: UTF8.self) + "\r\n0\r\n\r\n"
        client.send(wire)
        #expect(try client.readResponse().status == 202)
    }

    @Test func oversizedBodyIs413AndCloses() throws {
        let server = try TestServer()
        let client = try RawClient(port: server.port)
        client.send("POST /v1/setups HTTP/1.1\r\nHost: localhost\r\nContent-Length: \(1024 * 1024 + 1)\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.status == 413)
        #expect(response.json?["error"]?["code"] == "payload_too_large")
        #expect(client.waitForClose())
    }

    @Test func oversizedHeadersAre431AndClose() throws {
        let server = try TestServer()
        let client = try RawClient(port: server.port)
        client.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Filler: \(String(repeating: "x", count: 17 * 1024))\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.status == 431)
        #expect(client.waitForClose())
    }

    @Test func malformedRequestIs400AndCloses() throws {
        let server = try TestServer()
        let client = try RawClient(port: server.port)
        client.send("GARBAGE\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.status == 400)
        #expect(response.json?["error"]?["code"] == "bad_request")
        #expect(client.waitForClose())
        // Another connection is unaffected.
        let other = try RawClient(port: server.port)
        other.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(try other.readResponse().status == 200)
    }

    /// Each malformed number or line ending gets its 400 and closes; the process lives on to serve
    /// the next connection (a trap here would end the whole test run).
    @Test func malformedChunkSizesAndLineEndingsLeaveTheServerAlive() throws {
        let server = try TestServer()
        let chunked = "POST /v1/setups HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
        let attacks =
            ["-1", "-0", "+2", " 2", "0x2", "٢", "-8000000000000000", "fffffffffffffffff", "7fffffffffffffff"]
            .map { chunked + "\($0)\r\n{}\r\n0\r\n\r\n" }
            + [
                "POST /v1/setups HTTP/1.1\r\nHost: localhost\r\nContent-Length: -1\r\n\r\n",
                "POST /v1/setups HTTP/1.1\r\nHost: localhost\r\nContent-Length: +2\r\n\r\n{}",
                "GET /healthz HTTP/1.1\n", "GET /healthz HTTP/1.1\r\n\r\n",
            ]
        for attack in attacks {
            let client = try RawClient(port: server.port)
            client.send(attack)
            let response = try client.readResponse()
            #expect(response.status == 400, "\(attack.debugDescription)")
            #expect(response.json?["error"]?["code"] == "bad_request")
            #expect(client.waitForClose())
            let next = try RawClient(port: server.port)
            next.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
            #expect(try next.readResponse().status == 200)
        }
    }

    @Test func slowClientTimesOutWithoutHoldingAWorker() throws {
        var limits = HTTPLimits()
        limits.requestTimeout = 0.5
        let server = try TestServer(limits: limits, workers: 1)
        let slow = try RawClient(port: server.port)
        slow.send("POST /v1/setups HTTP/1.1\r\nHost: localhost\r\nContent-Length: 500\r\n\r\n{\"site\"")
        // With one worker, a held worker would starve this request.
        let fast = try RawClient(port: server.port)
        for _ in 0..<3 {
            fast.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
            #expect(try fast.readResponse().status == 200)
        }
        let timedOut = try slow.readResponse()
        #expect(timedOut.status == 408)
        #expect(timedOut.json?["error"]?["code"] == "request_timeout")
        #expect(slow.waitForClose())
    }

    @Test func idleConnectionIsClosedAfterTheIdleTimeout() throws {
        var limits = HTTPLimits()
        limits.idleTimeout = 0.3
        let server = try TestServer(limits: limits)
        let client = try RawClient(port: server.port)
        client.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(try client.readResponse().status == 200)
        #expect(client.waitForClose())
    }

    @Test(arguments: [1, 2])
    func atTheConnectionCapAnIdleConnectionIsClosedForANewClient(eventLoops: Int) throws {
        var limits = HTTPLimits()
        limits.maxConnections = 3
        let server = try TestServer(limits: limits, eventLoops: eventLoops)
        var clients: [RawClient] = []
        for _ in 0..<3 {
            let client = try RawClient(port: server.port)
            client.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
            #expect(try client.readResponse().status == 200)
            clients.append(client)
        }
        let newcomer = try RawClient(port: server.port)
        newcomer.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(try newcomer.readResponse().status == 200)
        // Exactly one of the idle clients was closed to make room; the others are still served.
        var closed: [Int] = []
        for (index, client) in clients.enumerated() {
            client.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
            do { #expect(try client.readResponse().status == 200) } catch RawClientError.closed { closed.append(index) }
        }
        #expect(closed.count == 1)
        if eventLoops == 1 { #expect(closed == [0]) }  // one loop: the longest idle goes first
    }

    /// One host trickling more unfinished requests than the cap allows cannot lock anyone out: at
    /// the cap the busiest host's oldest unfinished connection makes room, and another host is
    /// served at once (not a 503 until the 408s).
    @Test(arguments: [1, 2])
    func aFloodOfSlowConnectionsFromOneHostDoesNotLockOutAnother(eventLoops: Int) throws {
        var limits = HTTPLimits()
        limits.maxConnections = 32
        let server = try TestServer(limits: limits, eventLoops: eventLoops)
        var slow: [RawClient] = []
        for _ in 0..<(limits.maxConnections * 2) {
            let client = try RawClient(port: server.port, timeout: 2)
            client.send("POST /v1/setups HTTP/1.1\r\nHost: localhost\r\nContent-Le")
            slow.append(client)
        }
        for attempt in 0..<3 {
            let other = try RawClient(port: server.port, timeout: 2, from: "127.0.0.2")
            other.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
            #expect(try other.readResponse().status == 200, "attempt \(attempt)")
        }
        #expect(server.server.openConnections <= limits.maxConnections)
        if eventLoops == 1 {
            // One loop: the first slow client was the first closed, and told why.
            let first = try slow[0].readResponse()
            #expect(first.status == 503)
            #expect(first.json?["error"]?["code"] == "service_unavailable")
            #expect(slow[0].waitForClose())
        }
    }

    @Test func formEncodedCurlBodyIsReadAsJSON() throws {
        let server = try TestServer()
        let client = try RawClient(port: server.port)
        // What `curl -d '{...}'` sends.
        client.send(
            "POST /v1/setups HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: \(validSetupJSON.utf8.count)\r\n\r\n\(validSetupJSON)"
        )
        #expect(try client.readResponse().status == 202)
    }

    @Test func gracefulShutdownFinishesInFlightRequestsAndRefusesNewOnes() throws {
        let gate = Gate()
        let server = try TestServer(responder: BlockingResponder(gate: gate))
        let client = try RawClient(port: server.port)
        client.send("GET /slow HTTP/1.1\r\nHost: localhost\r\n\r\n")
        gate.entered.wait()  // the handler is running
        let stopped = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            server.server.shutdown(grace: 5)
            stopped.signal()
        }
        // New connections are refused once the listener is closed.
        var refused = false
        for _ in 0..<200 where !refused {
            do { _ = try RawClient(port: server.port, timeout: 0.2) } catch RawClientError.connect { refused = true } catch {}
            if !refused { usleep(10_000) }  // bounded retry: 200 × 10 ms
        }
        #expect(refused)
        gate.release.signal()
        let response = try client.readResponse()
        #expect(response.status == 200)
        #expect(response.header("Connection") == "close")
        #expect(stopped.wait(timeout: .now() + 5) == .success)
    }
}

final class Gate: @unchecked Sendable {
    let entered = DispatchSemaphore(value: 0)
    let release = DispatchSemaphore(value: 0)
}

/// Holds each request until the test releases it.
struct BlockingResponder: HTTPResponder {
    let gate: Gate
    func respond(to request: Request) -> Response {
        gate.entered.signal()
        gate.release.wait()
        return .json(200, .object([("done", true)]))
    }
}
