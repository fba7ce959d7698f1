import Foundation
import TestSupport
@testable import Core
#if canImport(Glibc)
    import Glibc
#endif

/// A tiny HTTP/1.1 server on a loopback port for tests (a fake instance-metadata or container
/// credentials service). One connection at a time, `Connection: close`; records every request.
final class FakeHTTPServer: @unchecked Sendable {
    struct Request: Sendable {
        let method: String
        let path: String
        let headers: [String: String]
        var body: [UInt8] = []
    }

    let port: Int
    private let fd: Int32
    let requests = Locked<[Request]>([])
    private let handler: @Sendable (Request) -> (Int, String)

    init(handler: @escaping @Sendable (Request) -> (Int, String)) throws {
        self.handler = handler
        guard let (fd, port) = LoopbackSocket.bind(type: SOCK_STREAM), listen(fd, 16) == 0 else {
            throw MotoUnavailable(output: "fake server cannot listen")
        }
        self.fd = fd
        self.port = port
        let listener = fd
        Thread.detachNewThread { [self] in
            while true {
                let client = accept(listener, nil, nil)
                if client < 0 { return }  // closed by stop()
                Thread.detachNewThread { self.serve(client) }
            }
        }
    }

    var url: String { "http://127.0.0.1:\(port)" }

    private let stopped = Locked(false)

    /// Closes the listener once: a second close would hit whatever socket reused the number.
    func stop() {
        guard
            !stopped.withLock({
                let was = $0; $0 = true; return was
            })
        else { return }
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
    }

    deinit { stop() }

    private func serve(_ client: Int32) {
        defer { close(client) }
        var tv = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var data: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while !String(decoding: data, as: UTF8.self).contains("\r\n\r\n") {
            let n = recv(client, &chunk, chunk.count, 0)
            if n <= 0 { return }
            data += chunk[0..<n]
        }
        let text = String(decoding: data, as: UTF8.self)
        let head = text.components(separatedBy: "\r\n\r\n")[0]
        let headLength = head.utf8.count + 4
        var lines = head.components(separatedBy: "\r\n")
        let requestLine = lines.removeFirst().split(separator: " ")
        var headers: [String: String] = [:]
        for line in lines {
            if let colon = line.firstIndex(of: ":") {
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        let length = Int(headers["content-length"] ?? "0") ?? 0
        while data.count < headLength + length {
            let n = recv(client, &chunk, chunk.count, 0)
            if n <= 0 { return }
            data += chunk[0..<n]
        }
        let request = Request(
            method: String(requestLine[0]), path: String(requestLine[1]), headers: headers,
            body: Array(data[headLength..<(headLength + length)]))
        requests.withLock { $0.append(request) }
        let (status, body) = handler(request)
        if status == 0 { return }  // status 0: drop the connection without answering (a reset)
        let response = "HTTP/1.1 \(status) X\r\nContent-Type: text/xml\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
        _ = response.withCString { send(client, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
    }
}
