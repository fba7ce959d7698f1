import Foundation
import TestSupport
@testable import Core
#if canImport(Glibc)
    import Glibc
#endif

/// A DNS responder on a loopback UDP port, answering A queries from a table: records (a CNAME
/// chain and addresses), NXDOMAIN, SERVFAIL, or silence. Tests point the resolver at it, so no
/// query ever reaches a real resolver.
final class FakeDNSServer: @unchecked Sendable {
    enum Answer {
        case records([(name: String, type: UInt16, value: String)])
        case rcode(UInt16)
        case silence
    }

    let port: Int
    private let fd: Int32
    private let table: Locked<[String: Answer]>

    init(_ table: [String: Answer]) throws {
        self.table = Locked(table)
        guard let (fd, port) = LoopbackSocket.bind(type: SOCK_DGRAM) else { throw MotoUnavailable(output: "fake DNS cannot bind") }
        self.fd = fd
        self.port = port
        Thread.detachNewThread { [self] in self.serve() }
    }

    deinit {
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
    }

    var server: String { "127.0.0.1:\(port)" }

    /// Changes what a name answers from now on.
    func set(_ name: String, _ answer: Answer) { table.withLock { $0[name.lowercased()] = answer } }

    private func serve() {
        var buffer = [UInt8](repeating: 0, count: 512)
        while true {
            var peer = sockaddr_in()
            var peerLength = socklen_t(MemoryLayout<sockaddr_in>.size)
            let n = withUnsafeMutablePointer(to: &peer) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd, &buffer, buffer.count, 0, $0, &peerLength) }
            }
            if n <= 12 { return }  // closed
            let query = Array(buffer[0..<n])
            guard let (name, questionEnd) = Self.readName(query, at: 12) else { continue }
            let answer = table.withLock { $0[name.lowercased()] } ?? .rcode(3)
            if case .silence = answer { continue }
            let reply = Self.response(query: query, questionEnd: questionEnd + 4, answer: answer)
            _ = withUnsafePointer(to: &peer) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, reply, reply.count, 0, $0, peerLength) }
            }
        }
    }

    static func readName(_ bytes: [UInt8], at start: Int) -> (String, Int)? {
        var labels: [String] = []
        var i = start
        while i < bytes.count {
            let length = Int(bytes[i])
            if length == 0 { return (labels.joined(separator: "."), i + 1) }
            guard i + 1 + length <= bytes.count else { return nil }
            labels.append(String(decoding: bytes[(i + 1)...(i + length)], as: UTF8.self))
            i += 1 + length
        }
        return nil
    }

    static func encodeName(_ name: String) -> [UInt8] {
        var out: [UInt8] = []
        for label in name.split(separator: ".") { out.append(UInt8(label.utf8.count)); out += Array(label.utf8) }
        return out + [0]
    }

    static func response(query: [UInt8], questionEnd: Int, answer: Answer) -> [UInt8] {
        var records: [(name: String, type: UInt16, value: String)] = []
        var rcode: UInt16 = 0
        switch answer {
        case let .records(list): records = list
        case let .rcode(code): rcode = code
        case .silence: break
        }
        var out = Array(query[0..<2])  // id
        let flags: UInt16 = 0x8180 | rcode  // response, RD, RA
        out += [UInt8(flags >> 8), UInt8(flags & 0xFF), 0, 1]  // QDCOUNT 1
        out += [UInt8(records.count >> 8), UInt8(records.count & 0xFF), 0, 0, 0, 0]
        out += query[12..<questionEnd]  // the question
        for record in records {
            out += encodeName(record.name)
            out += [UInt8(record.type >> 8), UInt8(record.type & 0xFF), 0, 1, 0, 0, 0, 60]  // class IN, TTL 60
            let data: [UInt8] =
                record.type == 1
                ? record.value.split(separator: ".").map { UInt8($0)! }
                : encodeName(record.value)
            out += [UInt8(data.count >> 8), UInt8(data.count & 0xFF)] + data
        }
        return out
    }
}
