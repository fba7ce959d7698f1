import CSQLite

// SQLite copies a bound string when told SQLITE_TRANSIENT; Swift cannot import the C macro.
private let SQLITE_TRANSIENT = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// A prepared statement. Finalized in `deinit`; reset and cleared before each use so that a cached
/// statement never carries bindings from a previous call.
public final class Statement {
    let handle: OpaquePointer
    public let sql: String
    private unowned let connection: Connection
    /// Result column name → index, built at the first lookup by name.
    private var columnIndexes: [String: Int32]?

    init(connection: Connection, sql: String) throws {
        var handle: OpaquePointer?
        let rc = sqlite3_prepare_v3(connection.handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &handle, nil)
        guard rc == SQLITE_OK, let handle else {
            throw connection.error(code: rc, sql: sql)
        }
        self.handle = handle
        self.sql = sql
        self.connection = connection
    }

    deinit { sqlite3_finalize(handle) }

    /// The index of a result column by its name (or alias). A name the statement does not return
    /// is a programming error: the query and its decoder disagree.
    func columnIndex(_ name: String) -> Int32 {
        if columnIndexes == nil {
            var indexes: [String: Int32] = [:]
            for i in 0..<sqlite3_column_count(handle) {
                if let text = sqlite3_column_name(handle, i) { indexes[String(cString: text)] = i }
            }
            columnIndexes = indexes
        }
        guard let index = columnIndexes?[name] else { preconditionFailure("no column \(name) in `\(sql)`") }
        return index
    }

    /// Resets the statement and binds `values` to its parameters, in order.
    public func bind(_ values: [SQLValue]) throws {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        let expected = Int(sqlite3_bind_parameter_count(handle))
        guard expected == values.count else {
            throw SQLiteError(extendedCode: SQLITE_RANGE, message: "expected \(expected) parameters, got \(values.count)", sql: sql)
        }
        for (index, value) in values.enumerated() {
            let position = Int32(index + 1)
            let rc: Int32
            switch value {
            case .null: rc = sqlite3_bind_null(handle, position)
            case let .integer(i): rc = sqlite3_bind_int64(handle, position, i)
            case let .real(d): rc = sqlite3_bind_double(handle, position, d)
            case let .text(s): rc = sqlite3_bind_text(handle, position, s, -1, SQLITE_TRANSIENT)
            }
            guard rc == SQLITE_OK else { throw connection.error(code: rc, sql: sql) }
        }
    }

    /// Advances to the next row; `false` when done.
    public func step() throws -> Bool {
        let rc = sqlite3_step(handle)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            let error = connection.error(code: rc, sql: sql)
            sqlite3_reset(handle)
            throw error
        }
    }

    /// Runs a statement that returns no rows.
    public func run(_ values: [SQLValue] = []) throws {
        try bind(values)
        while try step() {}
        sqlite3_reset(handle)
    }

    /// Runs a query and maps every row.
    public func rows<T>(_ values: [SQLValue] = [], _ map: (Row) throws -> T) throws -> [T] {
        try bind(values)
        defer { sqlite3_reset(handle) }
        var result: [T] = []
        let row = Row(statement: self)
        while try step() { result.append(try map(row)) }
        return result
    }

    /// Runs a query and maps its first row, if any.
    /// The first column of the first row of a statement without parameters, as an integer (0 for
    /// no row): the cheapest way to ask a pragma.
    public func singleInt() throws -> Int {
        defer { sqlite3_reset(handle) }
        return try step() ? Int(sqlite3_column_int64(handle, 0)) : 0
    }

    public func firstRow<T>(_ values: [SQLValue] = [], _ map: (Row) throws -> T) throws -> T? {
        try bind(values)
        defer { sqlite3_reset(handle) }
        return try step() ? try map(Row(statement: self)) : nil
    }
}

/// The current row of a statement, read by column index.
public struct Row {
    let statement: Statement

    public func isNull(_ i: Int32) -> Bool { sqlite3_column_type(statement.handle, i) == SQLITE_NULL }

    public func string(_ i: Int32) -> String {
        guard let text = sqlite3_column_text(statement.handle, i) else { return "" }
        let count = Int(sqlite3_column_bytes(statement.handle, i))
        return String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
    }

    public func optionalString(_ i: Int32) -> String? { isNull(i) ? nil : string(i) }
    public func int(_ i: Int32) -> Int { Int(sqlite3_column_int64(statement.handle, i)) }
    public func optionalInt(_ i: Int32) -> Int? { isNull(i) ? nil : int(i) }
    public func double(_ i: Int32) -> Double { sqlite3_column_double(statement.handle, i) }

    // By column name: decoders that read many columns say which one they mean.
    public func string(_ column: String) -> String { string(statement.columnIndex(column)) }
    public func optionalString(_ column: String) -> String? { optionalString(statement.columnIndex(column)) }
    public func int(_ column: String) -> Int { int(statement.columnIndex(column)) }
    public func optionalInt(_ column: String) -> Int? { optionalInt(statement.columnIndex(column)) }
    public func double(_ column: String) -> Double { double(statement.columnIndex(column)) }
}

@available(*, unavailable, message: "a Statement belongs to its Connection's thread")
extension Statement: Sendable {}
