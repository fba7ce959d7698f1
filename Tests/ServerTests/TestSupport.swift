import Foundation
import HTTPTypes
import Logging
@testable import Core
@testable import Server
#if canImport(Glibc)
    import Glibc
#endif

/// A privatelinkd API on a loopback port with its own fresh database.
final class TestServer: @unchecked Sendable {
    let server: HTTPServer
    let database: Database
    let store: SetupStore
    let port: Int

    init(
        limits: HTTPLimits = HTTPLimits(), workers: Int = 2, eventLoops: Int = 2, corsOrigins: [String] = [],
        responder: (any HTTPResponder)? = nil, maxStreams: Int = 1024
    ) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("privatelinkd-server-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        database = try Database(path: folder.appendingPathComponent("test.sqlite").path, readers: 2)
        try Migrator(migrations: Migration.load(from: Migrator.locateDirectory(explicit: nil))).migrate(database)
        store = SetupStore(database: database)
        var logger = Logger(label: "test")
        logger.logLevel = .error
        let application = Application(
            catalog: try Catalog.bundled(), store: store, corsOrigins: corsOrigins, maxStreams: maxStreams, logger: logger)
        var configuration = HTTPServer.Configuration()
        configuration.host = "127.0.0.1"
        configuration.port = 0
        configuration.limits = limits
        configuration.workers = workers
        configuration.eventLoops = eventLoops
        server = HTTPServer(configuration: configuration, responder: responder ?? application, logger: logger)
        port = try server.start()
    }

    deinit {
        server.shutdown(grace: 2)
        database.close()
    }
}

/// A parsed response read off a raw socket.
struct RawResponse {
    let status: Int
    let headers: [(String, String)]
    let body: [UInt8]

    func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
    var json: JSON? { try? JSON.parse(body) }
    var text: String { String(decoding: body, as: UTF8.self) }
}

enum RawClientError: Error { case connect(Int32), closed, timeout, malformed(String) }

/// A blocking HTTP/1.1 client on a raw socket, so tests control every byte and its timing.
/// Every read has a receive timeout: a test that waits on the server never hangs.
final class RawClient {
    let fd: Int32
    private var buffer: [UInt8] = []
    private var offset = 0  // bytes of `buffer` already consumed

    /// Connects to 127.0.0.1:`port`, from the loopback address `source` when given (127.0.0.2…:
    /// another peer host, as far as the server can tell).
    init(port: Int, timeout: Double = 5, from source: String? = nil) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)  // closed by deinit, also when init throws
        if let source { try attach(to: source, port: 0, with: bind) }
        try attach(to: "127.0.0.1", port: port, with: connect)
        setTimeout(timeout)
    }

    /// `bind` or `connect` to an IPv4 address; `.connect(errno)` when it fails.
    private func attach(to host: String, port: Int, with call: (Int32, UnsafePointer<sockaddr>, socklen_t) -> Int32) throws {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr(host)
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { call(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if rc != 0 { throw RawClientError.connect(errno) }
    }

    deinit { Glibc.close(fd) }

    func setTimeout(_ seconds: Double) {
        var tv = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - Double(Int(seconds))) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    func send(_ text: String) { send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            offset += n
        }
    }

    /// Reads more bytes; throws `.closed` on end of stream, `.timeout` when nothing came in time.
    private func fill() throws {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n == 0 { throw RawClientError.closed }
        if n < 0 { throw (errno == EAGAIN || errno == EWOULDBLOCK) ? RawClientError.timeout : RawClientError.closed }
        if offset > 0 {
            buffer.removeFirst(offset)
            offset = 0
        }
        buffer.append(contentsOf: chunk[0..<n])
    }

    /// Reads one response (a `100 Continue` counts as one). `head` is true for answers to HEAD.
    func readResponse(head: Bool = false) throws -> RawResponse {
        var end: Int?
        while end == nil {
            if let range = findHeadEnd() { end = range } else { try fill() }
        }
        let headText = String(decoding: buffer[offset..<end!], as: UTF8.self)
        offset = end! + 4
        var lines = headText.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { throw RawClientError.malformed(headText) }
        let headers = lines.compactMap { line -> (String, String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        let length = head || status == 100 ? 0 : Int(headers.first { $0.0.lowercased() == "content-length" }?.1 ?? "0") ?? 0
        while buffer.count - offset < length { try fill() }
        let body = Array(buffer[offset..<(offset + length)])
        offset += length
        return RawResponse(status: status, headers: headers, body: body)
    }

    /// Reads one Server-Sent Events frame (up to a blank line); comments and `retry:` frames are
    /// returned too, with a nil id.
    func readEvent() throws -> (id: Int?, data: String?, text: String) {
        while true {
            let pending = buffer[offset...]
            if let end = pending.indices.first(where: { $0 + 1 < buffer.count && buffer[$0] == 10 && buffer[$0 + 1] == 10 }) {
                let text = String(decoding: buffer[offset..<end], as: UTF8.self)
                offset = end + 2
                var id: Int?, data: String?
                for line in text.split(separator: "\n") {
                    if line.hasPrefix("id: ") { id = Int(line.dropFirst(4)) }
                    if line.hasPrefix("data: ") { data = String(line.dropFirst(6)) }
                }
                return (id, data, text)
            }
            try fill()
        }
    }

    /// True when the server closes the connection (end of stream or reset) before the timeout.
    func waitForClose() -> Bool {
        do {
            while true { try fill() }
        } catch RawClientError.closed {
            return true
        } catch {
            return false
        }
    }

    private func findHeadEnd() -> Int? {
        guard buffer.count - offset >= 4 else { return nil }
        for i in offset...(buffer.count - 4) where buffer[i] == 13 && buffer[i + 1] == 10 && buffer[i + 2] == 13 && buffer[i + 3] == 10 {
            return i
        }
        return nil
    }
}

let validSetupJSON =
    #"{"site":"us1","region":"us-east-1","vpc_id":"vpc-0123456789abcdef0","subnet_ids":["subnet-01234567"],"security_group_ids":["sg-01234567"],"services":["metrics","logs_agent"]}"#

func post(_ path: String, _ body: String, extraHeaders: String = "") -> String {
    "POST \(path) HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\(extraHeaders)\r\n\(body)"
}

/// Requests and responses written as a test reads them: methods and header names as text. The
/// server's own code uses swift-http-types' values; a typo here fails the test at once.
extension Request {
    init(method: String, target: String, headers: [(String, String)] = [], body: [UInt8] = []) {
        guard let typed = HTTPRequest.Method(method) else { preconditionFailure("not a method: \(method)") }
        self.init(method: typed, target: target, headerFields: HTTPFields(headers), body: body)
    }

    func header(_ name: String) -> String? { header(HTTPField.Name(name)!) }
}

extension Response {
    func header(_ name: String) -> String? { header(HTTPField.Name(name)!) }
}

extension HTTPRequestHead {
    /// The fields as `(name, value)` text pairs, names as sent.
    var headers: [(name: String, value: String)] { headerFields.map { ($0.name.rawName, $0.value) } }
}
