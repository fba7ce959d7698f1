import Foundation
import HTTPTypes
import Testing
@testable import Server

@Suite struct RequestParserTests {
    func parser(_ configure: (inout HTTPLimits) -> Void = { _ in }) -> RequestParser {
        var limits = HTTPLimits()
        configure(&limits)
        return RequestParser(limits: limits)
    }

    func request(_ event: RequestParser.Event) -> Request? {
        if case let .request(head, body) = event { return head.request(body: body) }
        return nil
    }

    func failure(_ event: RequestParser.Event) -> HTTPParseError? {
        if case let .failure(error) = event { return error }
        return nil
    }

    @Test func simpleGet() throws {
        var p = parser()
        p.append(Array("GET /v1/sites?x=1 HTTP/1.1\r\nHost: a\r\n\r\n".utf8))
        let r = try #require(request(p.next()))
        #expect(r.method == .get)
        #expect(r.path == "/v1/sites")
        #expect(r.queryValue("x") == "1")
        #expect(r.header("host") == "a")
        #expect(r.keepAlive)
        #expect(p.next() == .needMore)
        #expect(!p.isMidRequest)
    }

    @Test func bytesArrivingOneAtATime() throws {
        var p = parser()
        let text = Array("POST /v1/setups HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nhello".utf8)
        for (i, byte) in text.enumerated() {
            p.append([byte])
            let event = p.next()
            if i < text.count - 1 {
                #expect(event == .needMore, "early event at byte \(i)")
                #expect(p.isMidRequest)
            } else {
                #expect(try #require(request(event)).body == Array("hello".utf8))
            }
        }
    }

    @Test func pipelinedRequestsComeOutInOrder() throws {
        var p = parser()
        p.append(
            Array(
                "GET /a HTTP/1.1\r\nHost: localhost\r\n\r\nPOST /b HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\n\r\nhiGET /c HTTP/1.1\r\nHost: localhost\r\n\r\n"
                    .utf8))
        #expect(try #require(request(p.next())).target == "/a")
        let b = try #require(request(p.next()))
        #expect(b.target == "/b" && b.body == Array("hi".utf8))
        #expect(try #require(request(p.next())).target == "/c")
        #expect(p.next() == .needMore)
    }

    @Test func chunkedBodyWithExtensionsAndTrailers() throws {
        var p = parser()
        p.append(
            Array(
                "POST /x HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n4;ext=1\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nX-Trailer: yes\r\n\r\n"
                    .utf8))
        let r = try #require(request(p.next()))
        #expect(String(decoding: r.body, as: UTF8.self) == "Wikipedia in\r\n\r\nchunks.")
    }

    @Test func chunkedBodyOverTheLimitIs413() throws {
        var p = parser { $0.maxBodyBytes = 10 }
        p.append(Array("POST /x HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n8\r\n".utf8))
        #expect(failure(p.next())?.status == 413)
    }

    @Test func badChunkSizeIs400() {
        var p = parser()
        p.append(Array("POST /x HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n".utf8))
        #expect(failure(p.next())?.status == 400)
    }

    @Test func expectContinueIsAnnouncedBeforeTheBody() throws {
        var p = parser()
        p.append(Array("POST /x HTTP/1.1\r\nHost: localhost\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n".utf8))
        #expect(p.next() == .sendContinue)
        #expect(p.next() == .needMore)
        p.append(Array("abc".utf8))
        #expect(try #require(request(p.next())).body == Array("abc".utf8))
        // A body sent without waiting needs no 100 Continue.
        p.append(Array("POST /x HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1\r\nExpect: 100-continue\r\n\r\nz".utf8))
        #expect(try #require(request(p.next())).body == [UInt8(ascii: "z")])
    }

    @Test func oversizedBodyIsRefusedBeforeContinue() {
        var p = parser { $0.maxBodyBytes = 100 }
        p.append(Array("POST /x HTTP/1.1\r\nHost: localhost\r\nContent-Length: 101\r\nExpect: 100-continue\r\n\r\n".utf8))
        let error = failure(p.next())
        #expect(error?.status == 413)
        #expect(error?.code == "payload_too_large")
    }

    @Test func unknownExpectationIs417() {
        var p = parser()
        p.append(Array("POST /x HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1\r\nExpect: tea\r\n\r\nz".utf8))
        #expect(failure(p.next())?.status == 417)
    }

    @Test func headLimits() {
        var p = parser {
            $0.maxHeadBytes = 1024; $0.maxRequestLineBytes = 512
        }
        p.append(Array("GET /\(String(repeating: "a", count: 600))".utf8))
        #expect(failure(p.next())?.status == 414)

        var q = parser { $0.maxHeadBytes = 1024 }
        q.append(Array("GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: \(String(repeating: "b", count: 2000))".utf8))
        #expect(failure(q.next())?.status == 431)

        var r = parser { $0.maxHeaderCount = 3 }
        r.append(Array("GET / HTTP/1.1\r\nHost: localhost\r\na: 1\r\nb: 2\r\nc: 3\r\nd: 4\r\n\r\n".utf8))
        #expect(failure(r.next())?.status == 431)
    }

    @Test func malformedRequestsAre400() {
        let cases = [
            "GET\r\n\r\n", "GET /a b HTTP/1.1\r\nHost: localhost\r\n\r\n", "G@T / HTTP/1.1\r\nHost: localhost\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: localhost\r\nno colon\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: localhost\r\nBad Name: x\r\n\r\n", "GET / HTTP/1.1\r\nHost: localhost\r\nContent-Length: -1\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", "GET / HTTQ/1.1\r\n\r\n",
        ]
        for text in cases {
            var p = parser()
            p.append(Array(text.utf8))
            #expect(failure(p.next())?.status == 400, "\(text.debugDescription)")
        }
    }

    @Test func versionsAndCodings() {
        var p = parser()
        p.append(Array("GET / HTTP/2.0\r\n\r\n".utf8))
        #expect(failure(p.next())?.status == 505)
        var q = parser()
        q.append(Array("POST / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: gzip, chunked\r\n\r\n".utf8))
        #expect(failure(q.next())?.status == 501)
    }

    @Test func http10KeepAliveRules() throws {
        var p = parser()
        p.append(
            Array("GET / HTTP/1.0\r\n\r\nGET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".utf8))
        #expect(try #require(request(p.next())).keepAlive == false)
        #expect(try #require(request(p.next())).keepAlive == true)
        #expect(try #require(request(p.next())).keepAlive == false)
    }

    @Test func afterAFailureNothingMoreIsParsed() {
        var p = parser()
        p.append(Array("BAD\r\n\r\nGET / HTTP/1.1\r\nHost: localhost\r\n\r\n".utf8))
        #expect(failure(p.next()) != nil)
        #expect(p.next() == .needMore)
    }

    // MARK: Hardening: numbers, Host and line endings

    /// Every chunk size that is not 1–8 plain hex digits (then optional `;ext`) is a 400: signs,
    /// spaces, prefixes, other scripts' digits, overflow. None may trap.
    @Test(arguments: [
        "-1", "-0", "+1", " 1", "1 ", "0x10", "１", "٣", "fffffffff", "ffffffffffffffff1",
        "9223372036854775808", "-8000000000000000", "", ";ext", "1;\u{1}", "1\u{0}", "1 x",
    ])
    func malformedChunkSizeIs400(size: String) {
        var p = parser()
        p.append(Array("POST /x HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n\(size)\r\nabc\r\n0\r\n\r\n".utf8))
        let error = failure(p.next())
        #expect(error?.status == 400, "\(size.debugDescription)")
        #expect(error?.code == "bad_request")
    }

    @Test func chunkSizesAtTheEdgesAreReadExactly() throws {
        #expect(RequestParser.chunkSize(ArraySlice("ffffffff".utf8)) == 0xffff_ffff)
        #expect(RequestParser.chunkSize(ArraySlice("0000000A".utf8)) == 10)
        #expect(RequestParser.chunkSize(ArraySlice("a ; name=value".utf8)) == 10)
        #expect(RequestParser.chunkSize(ArraySlice("1;x".utf8)) == 1)
        // A size above the body limit is a 413, not an overflow.
        var p = parser()
        p.append(Array("POST /x HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\nffffffff\r\n".utf8))
        #expect(failure(p.next())?.status == 413)
    }

    @Test(arguments: ["+5", "-5", " 5x", "٥", "５", "5.0", "0x5", "99999999999999999999", "5, 6"])
    func malformedContentLengthIs400(length: String) {
        var p = parser()
        p.append(Array("POST /x HTTP/1.1\r\nHost: localhost\r\nContent-Length: \(length)\r\n\r\nhello".utf8))
        #expect(failure(p.next())?.status == 400, "\(length.debugDescription)")
    }

    @Test func http11WithoutHostOrWithTwoIs400() throws {
        var p = parser()
        p.append(Array("GET / HTTP/1.1\r\n\r\n".utf8))
        let missing = try #require(failure(p.next()))
        #expect(missing.status == 400)
        #expect(missing.message.contains("Host"))
        var q = parser()
        q.append(Array("GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n".utf8))
        #expect(failure(q.next())?.status == 400)
        var r = parser()
        r.append(Array("GET / HTTP/1.1\r\nHost: a b/c\r\n\r\n".utf8))
        #expect(failure(r.next())?.status == 400)
        // HTTP/1.0 may leave it out; an IPv6 literal with a port is a host.
        var s = parser()
        s.append(Array("GET / HTTP/1.0\r\n\r\nGET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n".utf8))
        #expect(request(s.next()) != nil)
        #expect(request(s.next()) != nil)
    }

    /// A bare LF anywhere in the head, a chunk line or a trailer is answered at once, before the
    /// rest of the request could arrive.
    @Test(arguments: [
        "GET / HTTP/1.1\n", "\nGET / HTTP/1.1\r\n", "GET / HTTP/1.1\r\nHost: a\n",
        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1\n",
        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: 1\n",
    ])
    func bareLFIsAPromptBadRequest(text: String) {
        var p = parser()
        p.append(Array(text.utf8))
        let error = failure(p.next())
        #expect(error?.status == 400, "\(text.debugDescription)")
        #expect(error?.message.contains("CRLF") == true)
    }

    @Test func malformedOrEndlessTrailersAre400() {
        var p = parser()
        p.append(Array("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nno colon\r\n\r\n".utf8))
        #expect(failure(p.next())?.status == 400)
        var q = parser { $0.maxHeadBytes = 256 }
        q.append(Array("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n".utf8))
        var event = q.next()
        for _ in 0..<100 where event == .needMore {
            q.append(Array("X-T: 1234567890\r\n".utf8))
            event = q.next()
        }
        #expect(failure(event)?.status == 400)
    }

    // MARK: The fuzzer's corpus and regressions

    /// Every input in `Fuzz/http/corpus` (seeds from these tests) and `Fuzz/http/regressions`
    /// (inputs that once crashed the parser) replayed the way the fuzz target feeds them: the first
    /// byte picks the read size. Each ends in requests, a 4xx/5xx answer or a wait for more bytes.
    @Test func fuzzCorpusAndRegressionsReplayCleanly() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        var replayed = 0
        for folder in ["Fuzz/http/corpus", "Fuzz/http/regressions"] {
            let directory = root.appendingPathComponent(folder)
            for name in try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() {
                let data = try [UInt8](Data(contentsOf: directory.appendingPathComponent(name)))
                guard let first = data.first else { continue }
                let step = Int(first) + 1
                let input = Array(data.dropFirst())
                var p = parser()
                var offset = 0
                var failed: HTTPParseError?
                while offset < input.count && failed == nil {
                    p.append(Array(input[offset..<min(input.count, offset + step)]))
                    offset += step
                    var event = p.next()
                    for _ in 0..<1000 where event != .needMore && failed == nil {
                        if case let .failure(error) = event { failed = error } else { event = p.next() }
                    }
                }
                if let failed { #expect((400..<600).contains(failed.status.code), "\(folder)/\(name)") }
                if folder.hasSuffix("regressions") { #expect(failed?.status == 400, "\(name) is refused as a bad request") }
                replayed += 1
            }
        }
        #expect(replayed >= 100)
    }
}
