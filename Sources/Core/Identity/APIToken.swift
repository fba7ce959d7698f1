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
        let utf8 = Array(text.utf8)
        guard utf8.count == prefix.utf8.count + 16 + 1 + 43, text.hasPrefix(prefix) else { return nil }
        let id = utf8[4..<20], separator = utf8[20], secret = utf8[21...]
        guard separator == UInt8(ascii: "_"), id.allSatisfy(isBase32), secret.allSatisfy(isBase64URL) else { return nil }
        return String(decoding: id, as: UTF8.self)
    }

    /// The stored form: hex SHA-256 of the whole text.
    public static func digest(_ text: String) -> String {
        SHA256.hash(data: Array(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Whether `text` hashes to `storedDigest`, compared in constant time (every byte is looked at
    /// whatever the first difference).
    public static func matches(_ text: String, storedDigest: String) -> Bool {
        let a = Array(digest(text).utf8), b = Array(storedDigest.utf8)
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for i in 0..<a.count { difference |= a[i] ^ b[i] }
        return difference == 0
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

    private static func isBase32(_ b: UInt8) -> Bool { base32Alphabet.contains(b) }

    private static func isBase64URL(_ b: UInt8) -> Bool {
        (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || (b >= 48 && b <= 57) || b == UInt8(ascii: "-") || b == UInt8(ascii: "_")
    }
}
