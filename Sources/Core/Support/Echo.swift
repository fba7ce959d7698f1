/// Untrusted text quoted back in an error message or a log line: cut to a few dozen characters
/// (a 200 KB number is not worth repeating), control characters escaped so it stays on one line.
public enum Echo {
    /// At most `limit` characters of `text`, control characters as `\n`, `\u{1B}`…, and the
    /// original size when it was cut: `0123…(+199990 bytes)`.
    public static func text<S: StringProtocol>(_ text: S, limit: Int = 64) -> String {
        var result = ""
        var count = 0
        var index = text.startIndex
        while index < text.endIndex && count < limit {
            result += escaped(text[index])
            count += 1
            index = text.index(after: index)
        }
        if index < text.endIndex {
            result += "…(+\(text[index...].utf8.count) bytes)"
        }
        return result
    }

    private static func escaped(_ character: Character) -> String {
        guard character.unicodeScalars.contains(where: isControl) else { return String(character) }
        return character.unicodeScalars.map { scalar -> String in
            switch scalar {
            case "\n": return "\\n"
            case "\r": return "\\r"
            case "\t": return "\\t"
            default:
                if isControl(scalar) {
                    return "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
                }
                return String(scalar)
            }
        }.joined()
    }

    /// C0 and C1 controls, DEL, and the Unicode line and paragraph separators.
    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || scalar.value == 0x7F || (0x80..<0xA0).contains(scalar.value)
            || scalar == "\u{2028}" || scalar == "\u{2029}"
    }
}
