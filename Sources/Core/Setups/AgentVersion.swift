/// A Datadog Agent version (`7.52.1`, `6.18`), compared numerically.
public struct AgentVersion: Sendable, Comparable, CustomStringConvertible {
    public let components: [Int]

    /// `7.52.1`, `6.18`, `7` with an optional `-rc.1` or `+build` suffix of at most 32 ASCII
    /// letters, digits, dots and dashes; nothing else is stored or echoed.
    public init?(_ text: String) {
        guard text.utf8.count <= 64, let first = text.utf8.first, (48...57).contains(first) else { return nil }
        let core = text.split(maxSplits: 1, whereSeparator: { $0 == "-" || $0 == "+" }).first.map(String.init) ?? ""
        let suffix = text.dropFirst(core.count)
        guard suffix.isEmpty || ((2...33).contains(suffix.utf8.count) && AWSIdentifiers.isASCIIWord(suffix.dropFirst(), extra: ".-+")) else { return nil }
        let parts = core.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...3).contains(parts.count) else { return nil }
        var numbers: [Int] = []
        for part in parts {
            guard let n = ASCIIDecimal.parse(part, maxDigits: 6) else { return nil }
            numbers.append(n)
        }
        components = numbers + Array(repeating: 0, count: 3 - numbers.count)
    }

    public static func < (a: AgentVersion, b: AgentVersion) -> Bool { a.components.lexicographicallyPrecedes(b.components) }
    public var description: String { components.map(String.init).joined(separator: ".") }
}
