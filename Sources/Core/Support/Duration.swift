import Foundation

/// Durations as people write them in flags and settings: `200ms`, `5s`, `15m`, `1h`, `90d`, or
/// combinations such as `1m30s`. A bare number is seconds.
public enum DurationText {
    public static func seconds(_ text: String) -> TimeInterval? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        guard !trimmed.isEmpty else { return nil }
        // ASCII digits and dots only: `Double(_:)` would also take "inf", "nan", "1e9" and "0x10".
        guard trimmed.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || $0 == 46 || ($0 >= 97 && $0 <= 122) }) else { return nil }
        if ASCIIDecimal.isDigits(trimmed.replacingOccurrences(of: ".", with: "")), let plain = Double(trimmed), plain.isFinite {
            return plain
        }
        var total: TimeInterval = 0
        var number = ""
        var rest = Substring(trimmed)
        while let c = rest.first {
            if ("0"..."9").contains(c) || c == "." {
                number.append(c)
                rest = rest.dropFirst()
                continue
            }
            guard let value = Double(number), value.isFinite else { return nil }
            let unit: TimeInterval
            if rest.hasPrefix("ms") {
                unit = 0.001; rest = rest.dropFirst(2)
            } else if rest.hasPrefix("s") {
                unit = 1; rest = rest.dropFirst()
            } else if rest.hasPrefix("m") {
                unit = 60; rest = rest.dropFirst()
            } else if rest.hasPrefix("h") {
                unit = 3600; rest = rest.dropFirst()
            } else if rest.hasPrefix("d") {
                unit = 86400; rest = rest.dropFirst()
            } else {
                return nil
            }
            total += value * unit
            number = ""
        }
        return number.isEmpty ? total : nil
    }
}
