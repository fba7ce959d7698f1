/// Decimal numbers read from untrusted text (headers, query parameters, durations): ASCII digits
/// only. Swift's `Int(_:)` accepts a leading `+` or `-`, and `Character.isNumber` accepts digits of
/// every script (`０`, `٣`); neither belongs on the wire.
public enum ASCIIDecimal {
    /// The value of 1 to `maxDigits` ASCII digits and nothing else; nil for a sign, a space, any
    /// other character, too many digits or a value that does not fit an `Int`.
    public static func parse<S: StringProtocol>(_ text: S, maxDigits: Int = 18) -> Int? {
        let utf8 = text.utf8
        guard !utf8.isEmpty, utf8.count <= maxDigits else { return nil }
        var value = 0
        for byte in utf8 {
            guard byte >= 48 && byte <= 57 else { return nil }
            let (shifted, overflowA) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflowB) = shifted.addingReportingOverflow(Int(byte - 48))
            guard !overflowA && !overflowB else { return nil }
            value = sum
        }
        return value
    }

    /// True when every character is an ASCII digit (and there is at least one).
    public static func isDigits<S: StringProtocol>(_ text: S) -> Bool {
        !text.utf8.isEmpty && text.utf8.allSatisfy { $0 >= 48 && $0 <= 57 }
    }
}
