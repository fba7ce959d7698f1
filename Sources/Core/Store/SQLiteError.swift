import CSQLite

/// A failure reported by SQLite. Carries the extended result code and the SQL text, never the
/// bound values (they may hold customer data).
public struct SQLiteError: Error, CustomStringConvertible, Sendable {
    public let extendedCode: Int32
    public let message: String
    public let sql: String?

    public var primaryCode: Int32 { extendedCode & 0xFF }
    public var isConstraintViolation: Bool { primaryCode == SQLITE_CONSTRAINT }
    public var isBusy: Bool { primaryCode == SQLITE_BUSY || primaryCode == SQLITE_LOCKED }

    public var description: String {
        var text = "SQLite error \(extendedCode): \(message)"
        if let sql { text += " — while executing `\(sql)`" }
        return text
    }
}

/// A value bound to a statement parameter or read from a column.
public enum SQLValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
}

extension SQLValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByNilLiteral {
    public init(stringLiteral value: String) { self = .text(value) }
    public init(integerLiteral value: Int) { self = .integer(Int64(value)) }
    public init(nilLiteral: ()) { self = .null }
    public static func optional(_ s: String?) -> SQLValue { s.map(SQLValue.text) ?? .null }
    public static func int(_ i: Int) -> SQLValue { .integer(Int64(i)) }
}

/// A stored value this version cannot read (an unknown status, say): a sign of corruption or of a
/// newer writer, reported rather than guessed at.
public struct StoredValueError: Error, Sendable, CustomStringConvertible {
    public let column: String
    public let value: String
    public var description: String { "unreadable stored \(column): \(Echo.text(value))" }

    /// The enum case a stored text names, or this error.
    public static func decode<T: RawRepresentable>(_ type: T.Type, _ text: String) throws -> T where T.RawValue == String {
        guard let value = T(rawValue: text) else { throw StoredValueError(column: String(describing: T.self), value: text) }
        return value
    }
}
