import CResolv
import Foundation

/// One record of a DNS answer, as `dig` shows it.
public struct DNSRecord: Sendable, Equatable {
    public let name: String
    /// `A`, `CNAME`, or the type's number.
    public let type: String
    public let ttl: Int
    public let value: String

    public var json: JSON { .object([("name", .string(name)), ("type", .string(type)), ("ttl", .int(ttl)), ("value", .string(value))]) }
}

/// The whole answer to an A query: the response code, the records (CNAME chain, then addresses)
/// and the resolver that gave it.
public struct DNSAnswer: Sendable, Equatable {
    public enum Outcome: String, Sendable {
        case noError = "NOERROR", nxDomain = "NXDOMAIN", servFail = "SERVFAIL", refused = "REFUSED", other = "OTHER", timeout = "TIMEOUT"
    }

    public let outcome: Outcome
    public let records: [DNSRecord]
    public let resolver: String

    /// The addresses the name finally resolves to.
    public var addresses: [String] { records.filter { $0.type == "A" }.map(\.value) }
    /// The CNAME targets, in order.
    public var cnameChain: [String] { records.filter { $0.type == "CNAME" }.map(\.value) }
}

/// Looks names up; replaced in unit tests.
public protocol DNSResolver: Sendable {
    func resolveA(_ name: String) -> DNSAnswer
}

/// glibc's resolver (`res_nsend`): the system configuration, or one server (`--dns-server HOST:PORT`).
/// A query that gets no answer within `timeout` seconds is a timeout, told apart from SERVFAIL.
public struct SystemDNSResolver: DNSResolver {
    public let server: (host: String, port: Int)?
    public let timeout: Int

    /// `server` as `HOST:PORT` or `HOST` (port 53); IPv4.
    public init(server: String? = nil, timeout: Int = 2) {
        self.timeout = timeout
        guard let server else { self.server = nil; return }
        let parts = server.split(separator: ":")
        self.server = (String(parts[0]), parts.count > 1 ? Int(parts[1]) ?? 53 : 53)
    }

    public func resolveA(_ name: String) -> DNSAnswer {
        var rcode: Int32 = 0
        var records = [cresolv_record](repeating: cresolv_record(), count: 32)
        var used = [CChar](repeating: 0, count: 64)
        let count = records.withUnsafeMutableBufferPointer { buffer in
            cresolv_query_a(server?.host, Int32(server?.port ?? 53), name, Int32(timeout), &rcode, buffer.baseAddress, 32, &used, 64)
        }
        let resolver = String(nulTerminated: used)
        guard count >= 0 else { return DNSAnswer(outcome: count == -1 ? .timeout : .other, records: [], resolver: resolver) }
        let outcome: DNSAnswer.Outcome
        switch rcode {
        case 0: outcome = .noError
        case 2: outcome = .servFail
        case 3: outcome = .nxDomain
        case 5: outcome = .refused
        default: outcome = .other
        }
        let parsed = records.prefix(Int(count)).map { record -> DNSRecord in
            var record = record
            let name = withUnsafeBytes(of: &record.name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            let data = withUnsafeBytes(of: &record.data) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            let type = record.type == 1 ? "A" : record.type == 5 ? "CNAME" : String(record.type)
            return DNSRecord(name: name, type: type, ttl: Int(record.ttl), value: data)
        }
        return DNSAnswer(outcome: outcome, records: parsed, resolver: resolver)
    }
}
