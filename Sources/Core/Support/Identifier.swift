import Foundation

/// Time-ordered public identifiers such as `su_01JDX3...`: a prefix, then 26 Crockford base-32
/// characters encoding 48 bits of milliseconds and 80 random bits (the ULID layout).
/// Identifiers made by one process are strictly increasing, so `ORDER BY id DESC` is newest first.
public enum Identifier {
    private static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)
    private static let last = Locked<(ms: UInt64, random: (UInt16, UInt64))>((0, (0, 0)))

    public static func make(prefix: String, at date: Date = Date()) -> String {
        let ms = UInt64(max(0, date.timeIntervalSince1970 * 1000))
        let (time, random) = last.withLock { state -> (UInt64, (UInt16, UInt64)) in
            if ms <= state.ms {
                // Same (or earlier) millisecond: keep the time, add one to the random part.
                var (hi, lo) = state.random
                lo &+= 1
                if lo == 0 { hi &+= 1 }
                state.random = (hi, lo)
                return (state.ms, state.random)
            }
            var generator = SystemRandomNumberGenerator()
            state = (ms, (UInt16.random(in: 0...UInt16.max, using: &generator) & 0x7FFF, generator.next()))
            return (state.ms, state.random)
        }
        // 128 bits: 48 time | 16 hi | 64 lo, written as 26 base-32 digits (first digit 3 bits),
        // straight into the string's storage: this runs for every request's id.
        let high = (time << 16) | UInt64(random.0)  // top 64 bits
        let low = random.1
        var prefix = prefix
        return prefix.withUTF8 { head in
            String(unsafeUninitializedCapacity: head.count + 26) { out in
                _ = out.initialize(from: head)
                for i in 0..<26 {
                    let shift = 125 - i * 5  // bit position of this digit's lowest bit, counting from 0 at the bottom of 130
                    let value: UInt64
                    if shift >= 64 {
                        value = (high >> UInt64(shift - 64)) & 0x1F
                    } else if shift + 5 <= 64 {
                        value = (low >> UInt64(shift)) & 0x1F
                    } else {
                        value = ((low >> UInt64(shift)) | (high << UInt64(64 - shift))) & 0x1F
                    }
                    out[head.count + i] = alphabet[Int(value)]
                }
                return head.count + 26
            }
        }
    }
}
