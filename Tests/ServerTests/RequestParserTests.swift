import Testing
@testable import Server

@Suite struct RequestParserTests {
    func parser(_ configure: (inout HTTPLimits) -> Void = { _ in }) -> RequestParser {
        var limits = HTTPLimits()
        configure(&limits)
        return RequestParser(limits: limits)
    }

    func request(_ event: RequestParser.Event) -> HTTPRequest? {
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
        #expect(r.method == "GET")
        #expect(r.path == "/v1/sites")
        #expect(r.queryValue("x") == "1")
        #expect(r.header("host") == "a")
        #expect(r.keepAlive)
        #expect(p.next() == .needMore)
        #expect(!p.isMidRequest)
    }

    @Test func bytesArrivingOneAtATime() throws {
        var p = parser()
        let text = Array("POST /v1/setups HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello".utf8)
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
        p.append(Array("GET /a HTTP/1.1\r\n\r\nPOST /b HTTP/1.1\r\nContent-Length: 2\r\n\r\nhiGET /c HTTP/1.1\r\n\r\n".utf8))
        #expect(try #require(request(p.next())).target == "/a")
        let b = try #require(request(p.next()))
        #expect(b.target == "/b" && b.body == Array("hi".utf8))
        #expect(try #require(request(p.next())).target == "/c")
        #expect(p.next() == .needMore)
    }

    @Test func chunkedBodyWithExtensionsAndTrailers() throws {
        var p = parser()
        p.append(Array("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n4;ext=1\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nX-Trailer: yes\r\n\r\n".utf8))
        let r = try #require(request(p.next()))
        #expect(String(decoding: r.body, as: UTF8.self) == "Wikipedia in\r\n\r\nchunks.")
    }

    @Test func chunkedBodyOverTheLimitIs413() throws {
        var p = parser { $0.maxBodyBytes = 10 }
        p.append(Array("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n8\r\n".utf8))
        #expect(failure(p.next())?.status == 413)
    }

    @Test func badChunkSizeIs400() {
        var p = parser()
        p.append(Array("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n".utf8))
        #expect(failure(p.next())?.status == 400)
    }

    @Test func expectContinueIsAnnouncedBeforeTheBody() throws {
        var p = parser()
        p.append(Array("POST /x HTTP/1.1\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n".utf8))
        #expect(p.next() == .sendContinue)
        #expect(p.next() == .needMore)
        p.append(Array("abc".utf8))
        #expect(try #require(request(p.next())).body == Array("abc".utf8))
        // A body sent without waiting needs no 100 Continue.
        p.append(Array("POST /x HTTP/1.1\r\nContent-Length: 1\r\nExpect: 100-continue\r\n\r\nz".utf8))
        #expect(try #require(request(p.next())).body == [UInt8(ascii: "z")])
    }

    @Test func oversizedBodyIsRefusedBeforeContinue() {
        var p = parser { $0.maxBodyBytes = 100 }
        p.append(Array("POST /x HTTP/1.1\r\nContent-Length: 101\r\nExpect: 100-continue\r\n\r\n".utf8))
        let error = failure(p.next())
        #expect(error?.status == 413)
        #expect(error?.code == "payload_too_large")
    }

    @Test func unknownExpectationIs417() {
        var p = parser()
        p.append(Array("POST /x HTTP/1.1\r\nContent-Length: 1\r\nExpect: tea\r\n\r\nz".utf8))
        #expect(failure(p.next())?.status == 417)
    }

    @Test func headLimits() {
        var p = parser { $0.maxHeadBytes = 1024; $0.maxRequestLineBytes = 512 }
        p.append(Array("GET /\(String(repeating: "a", count: 600))".utf8))
        #expect(failure(p.next())?.status == 414)

        var q = parser { $0.maxHeadBytes = 1024 }
        q.append(Array("GET / HTTP/1.1\r\nX-Big: \(String(repeating: "b", count: 2000))".utf8))
        #expect(failure(q.next())?.status == 431)

        var r = parser { $0.maxHeaderCount = 3 }
        r.append(Array("GET / HTTP/1.1\r\na: 1\r\nb: 2\r\nc: 3\r\nd: 4\r\n\r\n".utf8))
        #expect(failure(r.next())?.status == 431)
    }

    @Test func malformedRequestsAre400() {
        let cases = [
            "GET\r\n\r\n", "GET /a b HTTP/1.1\r\n\r\n", "G@T / HTTP/1.1\r\n\r\n", "GET / HTTP/1.1\r\nno colon\r\n\r\n",
            "GET / HTTP/1.1\r\nBad Name: x\r\n\r\n", "GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
            "GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            "POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", "GET / HTTQ/1.1\r\n\r\n",
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
        q.append(Array("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n".utf8))
        #expect(failure(q.next())?.status == 501)
    }

    @Test func http10KeepAliveRules() throws {
        var p = parser()
        p.append(Array("GET / HTTP/1.0\r\n\r\nGET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET / HTTP/1.1\r\nConnection: close\r\n\r\n".utf8))
        #expect(try #require(request(p.next())).keepAlive == false)
        #expect(try #require(request(p.next())).keepAlive == true)
        #expect(try #require(request(p.next())).keepAlive == false)
    }

    @Test func afterAFailureNothingMoreIsParsed() {
        var p = parser()
        p.append(Array("BAD\r\n\r\nGET / HTTP/1.1\r\n\r\n".utf8))
        #expect(failure(p.next()) != nil)
        #expect(p.next() == .needMore)
    }
}
