import Foundation

/// How a step ended.
public enum StepOutcome: Sendable, Equatable {
    /// Done; the next step may run.
    case done
    /// Waiting on AWS: give the job back until `until` (the poller may wake it sooner).
    case park(until: Date, reason: String)
}

/// A step found something the user must fix (or AWS gave up): the setup fails with this code and
/// message, which names the fix.
public struct StepFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public let code: String
    public let message: String
    public init(_ code: String, _ message: String) {
        self.code = code
        self.message = message
    }
    public var description: String { "\(code): \(message)" }
}

/// IPv4 CIDR arithmetic for the security-group check.
enum CIDR {
    static func parse(_ text: String) -> (UInt32, Int)? {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let bits = Int(parts[1]), (0...32).contains(bits) else { return nil }
        let octets = parts[0].split(separator: ".").compactMap { UInt32($0) }
        guard octets.count == 4, octets.allSatisfy({ $0 < 256 }) else { return nil }
        return (octets.reduce(0) { $0 << 8 | $1 }, bits)
    }

    /// Whether `outer` contains every address of `inner`.
    static func contains(_ outer: String, _ inner: String) -> Bool {
        guard let (o, ob) = parse(outer), let (i, ib) = parse(inner), ob <= ib else { return false }
        let mask: UInt32 = ob == 0 ? 0 : ~UInt32(0) << UInt32(32 - ob)
        return o & mask == i & mask
    }
}
