/// A Datadog Agent version (`7.52.1`, `6.18`), compared numerically.
public struct AgentVersion: Sendable, Comparable, CustomStringConvertible {
    public let components: [Int]

    public init?(_ text: String) {
        let core = text.split(whereSeparator: { $0 == "-" || $0 == "+" }).first.map(String.init) ?? ""
        let parts = core.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...3).contains(parts.count) else { return nil }
        var numbers: [Int] = []
        for part in parts {
            guard !part.isEmpty, part.count <= 6, part.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(part) else { return nil }
            numbers.append(n)
        }
        components = numbers + Array(repeating: 0, count: 3 - numbers.count)
    }

    public static func < (a: AgentVersion, b: AgentVersion) -> Bool { a.components.lexicographicallyPrecedes(b.components) }
    public var description: String { components.map(String.init).joined(separator: ".") }
}
