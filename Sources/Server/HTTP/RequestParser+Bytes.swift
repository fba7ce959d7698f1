import Foundation

/// The byte-level grammar the parser reads with: line ends, chunk sizes, tokens and field values.
extension RequestParser {
    static let bareLF = HTTPParseError(
        status: 400, code: "bad_request", message: "a line ends in a bare LF; end every line of the request head with CRLF")

    /// Where a line or the head ends, if it has arrived; `bareLF` as soon as an LF without its CR
    /// shows up, so such a client gets its 400 at once rather than a 408 later.
    enum Scan { case complete(Int), incomplete, bareLF }

    /// Finds the CRLF CRLF that ends the head. Lines end in CRLF only (RFC 9112 §2.2 lets a server
    /// refuse a bare LF, and accepting it would let two parsers disagree on where a line ends).
    func scanHead() -> Scan {
        var i = start
        while i < buffer.count {
            if buffer[i] == 10 {
                guard i > start, buffer[i - 1] == 13 else { return .bareLF }
                if i - start >= 3, buffer[i - 2] == 10, buffer[i - 3] == 13 { return .complete(i - 3) }
            }
            i += 1
        }
        return .incomplete
    }

    /// Finds the CRLF that ends the line starting at `index`.
    func scanLine(from index: Int) -> Scan {
        var i = index
        while i < buffer.count {
            if buffer[i] == 10 {
                guard i > index, buffer[i - 1] == 13 else { return .bareLF }
                return .complete(i - 1)
            }
            i += 1
        }
        return .incomplete
    }

    /// The first line's end, for the request-line limit.
    func findCRLF(from index: Int) -> Int? {
        if case let .complete(end) = scanLine(from: index) { return end }
        return nil
    }

    /// `chunk-size [BWS ";" chunk-ext]` (RFC 9112 §7.1): 1 to 8 hex digits and nothing else before
    /// the extensions; no sign, no spaces in front, no overflow. The extensions are ignored, but
    /// may not hold control characters.
    static func chunkSize(_ line: ArraySlice<UInt8>) -> Int? {
        let digits = line.prefix(while: isHexDigit)
        guard !digits.isEmpty, digits.count <= 8 else { return nil }
        var rest = line[digits.endIndex...]
        while let first = rest.first, first == 32 || first == 9 { rest = rest.dropFirst() }
        if let first = rest.first {
            guard first == UInt8(ascii: ";"), !rest.contains(where: isForbiddenInValue) else { return nil }
        } else if digits.endIndex != line.endIndex {
            return nil  // whitespace after the size with no extension
        }
        var size = 0
        for digit in digits {
            size = size << 4 | hexValue(digit)  // at most 8 digits: never above 2^32 - 1
        }
        return size
    }

    static func isHexDigit(_ b: UInt8) -> Bool {
        (48...57).contains(b) || (65...70).contains(b) || (97...102).contains(b)
    }

    static func hexValue(_ b: UInt8) -> Int {
        switch b {
        case 48...57: return Int(b - 48)
        case 65...70: return Int(b - 55)
        default: return Int(b - 87)
        }
    }

    /// Control characters other than HTAB, and DEL, may not appear in a field value or extension.
    static func isForbiddenInValue(_ b: UInt8) -> Bool { b < 32 && b != 9 || b == 127 }

    static func isTokenByte(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "!#$%&'*+-.^_`|~".utf8.contains(b)
        }
    }
}
