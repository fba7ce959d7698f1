import Crypto
import Foundation

/// API token text: `plk_<id>_<secret>`. The id (16 base32 characters, 80 random bits) is the
/// public lookup key; the secret is 256 random bits in base64url. Only a SHA-256 of the whole text
/// is stored.
///
/// SHA-256 is the right hash here, not bcrypt or Argon2: those slow down guessing of low-entropy
/// passwords, and 256 random bits cannot be guessed, so a slow hash would only cost every request.
public enum APIToken {
    public static let prefix = "plk_"

    /// A new token: its lookup id and its full text (shown once, never stored).
    public static func mint() -> (id: String, text: String) {
        var generator = SystemRandomNumberGenerator()  // getrandom(2) on Linux
        let idBytes = (0..<10).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let secretBytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let id = base32(idBytes)
        let secret = Data(secretBytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        return (id, prefix + id + "_" + secret)
    }

    /// The lookup id of a presented token, or nil when it does not have the token's shape.
    public static func lookupID(_ text: String) -> String? {
        var text = text
        return text.withUTF8 { utf8 -> String? in
            guard utf8.count == 4 + 16 + 1 + 43, utf8[0] == 0x70, utf8[1] == 0x6C, utf8[2] == 0x6B, utf8[3] == 0x5F else { return nil }  // "plk_"
            guard utf8[20] == UInt8(ascii: "_") else { return nil }
            for i in 4..<20 where !isBase32(utf8[i]) { return nil }
            for i in 21..<64 where !isBase64URL(utf8[i]) { return nil }
            return String(decoding: UnsafeBufferPointer(rebasing: utf8[4..<20]), as: UTF8.self)
        }
    }

    /// The stored form: hex SHA-256 of the whole text.
    public static func digest(_ text: String) -> String { String(decoding: hexDigest(text), as: UTF8.self) }

    /// Whether `text` hashes to `storedDigest`, compared in constant time (every byte is looked at
    /// whatever the first difference).
    public static func matches(_ text: String, storedDigest: String) -> Bool {
        guard let stored = digestBytes(hex: storedDigest) else { return false }
        return matches(text, digest: stored)
    }

    /// The same against the digest's 32 bytes (as `digestBytes(hex:)` decodes the stored text once).
    public static func matches(_ text: String, digest stored: [UInt8]) -> Bool {
        guard stored.count == 32 else { return false }
        var text = text
        var hasher = SHA256()
        text.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        return hasher.finalize().withUnsafeBytes { digest in
            var difference: UInt8 = 0
            for i in 0..<32 { difference |= digest[i] ^ stored[i] }
            return difference == 0
        }
    }

    /// Equal byte strings, compared in constant time for a given length.
    public static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for i in 0..<a.count { difference |= a[i] ^ b[i] }
        return difference == 0
    }

    /// The 32 bytes of a stored hex digest, or nil when it is not 64 hex digits.
    public static func digestBytes(hex: String) -> [UInt8]? {
        let text = Array(hex.utf8)
        guard text.count == 64 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 48...57: return c - 48
            case 97...102: return c - 87
            default: return nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(32)
        for i in stride(from: 0, to: 64, by: 2) {
            guard let high = nibble(text[i]), let low = nibble(text[i + 1]) else { return nil }
            out.append(high << 4 | low)
        }
        return out
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// The SHA-256 as lowercase hex bytes (no per-byte string formatting and no copies: this runs
    /// per request).
    private static func hexDigest(_ text: String) -> [UInt8] {
        var text = text
        var hasher = SHA256()
        text.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        return hasher.finalize().withUnsafeBytes { digest in
            [UInt8](unsafeUninitializedCapacity: 64) { out, count in
                for (i, byte) in digest.enumerated() {
                    out[2 * i] = hexDigits[Int(byte >> 4)]
                    out[2 * i + 1] = hexDigits[Int(byte & 15)]
                }
                count = 64
            }
        }
    }

    private static let base32Alphabet = Array("abcdefghijklmnopqrstuvwxyz234567".utf8)

    private static func base32(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        var buffer = 0, bits = 0
        for byte in bytes {
            buffer = (buffer << 8) | Int(byte)
            bits += 8
            while bits >= 5 {
                out.append(base32Alphabet[(buffer >> (bits - 5)) & 31])
                bits -= 5
            }
        }
        if bits > 0 { out.append(base32Alphabet[(buffer << (5 - bits)) & 31]) }
        return String(decoding: out, as: UTF8.self)
    }

    private static func isBase32(_ b: UInt8) -> Bool { (b >= 97 && b <= 122) || (b >= 50 && b <= 55) }

    private static func isBase64URL(_ b: UInt8) -> Bool {
        (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || (b >= 48 && b <= 57) || b == UInt8(ascii: "-") || b == UInt8(ascii: "_")
    }
}
