import Crypto
import Foundation

/// One numbered schema change, `migrations/NNNN_name.sql`.
public struct Migration: Sendable, Equatable {
    public let version: Int
    public let name: String
    public let sql: String

    /// SHA-256 of the file's text, hex: recorded when applied, compared on every start.
    public var checksum: String {
        SHA256.hash(data: Data(sql.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// A migration that rebuilds tables (to change a CHECK constraint, which SQLite cannot alter)
    /// starts with this line: it runs with foreign keys off, and commits only when
    /// `PRAGMA foreign_key_check` finds nothing (SQLite's documented procedure).
    public static let rebuildsTablesMarker = "-- privatelinkd: rebuilds tables"
    public var rebuildsTables: Bool { sql.hasPrefix(Self.rebuildsTablesMarker) }

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }

    /// Reads every `NNNN_name.sql` file of a folder, in version order.
    public static func load(from directory: URL) throws -> [Migration] {
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        var migrations: [Migration] = []
        for file in files where file.hasSuffix(".sql") {
            let stem = String(file.dropLast(4))
            guard let underscore = stem.firstIndex(of: "_"), let version = Int(stem[..<underscore]) else {
                throw MigrationError.badFileName(file)
            }
            let sql = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            migrations.append(Migration(version: version, name: String(stem[stem.index(after: underscore)...]), sql: sql))
        }
        migrations.sort { $0.version < $1.version }
        for (a, b) in zip(migrations, migrations.dropFirst()) where a.version == b.version {
            throw MigrationError.duplicateVersion(a.version)
        }
        return migrations
    }
}

/// Why the schema could not be brought up to date.
public enum MigrationError: Error, CustomStringConvertible, Equatable {
    case badFileName(String)
    case duplicateVersion(Int)
    case checksumMismatch(version: Int, name: String, recorded: String, found: String)
    case unknownApplied(version: Int)
    case notFound(searched: [String])
    case foreignKeysBroken(version: Int, violations: Int)

    public var description: String {
        switch self {
        case let .badFileName(f): return "migration file \(f) is not named NNNN_name.sql"
        case let .duplicateVersion(v): return "two migration files share version \(v)"
        case let .checksumMismatch(v, name, recorded, found):
            return
                "migration \(v)_\(name) was changed after it was applied (recorded checksum \(recorded.prefix(12))…, file now \(found.prefix(12))…); add a new migration instead of editing an applied one"
        case let .unknownApplied(v):
            return "the database has migration \(v) applied, which this build does not know: it was written by a newer privatelinkd"
        case let .foreignKeysBroken(v, n):
            return "migration \(v) would leave \(n) rows pointing at rows that do not exist; nothing was applied"
        case let .notFound(searched):
            return "no migrations folder found (looked in: \(searched.joined(separator: ", "))); pass --migrations-dir"
        }
    }
}

/// Applies migrations in order, one transaction each, recording them in `schema_migrations`.
public struct Migrator: Sendable {
    public let migrations: [Migration]
    public let clock: Clock

    public init(migrations: [Migration], clock: Clock = .system) {
        self.migrations = migrations
        self.clock = clock
    }

    /// Brings the schema up to date; returns the versions it applied now.
    @discardableResult
    public func migrate(_ database: Database) throws -> [Int] {
        try database.withWriter { connection in
            try connection.execute(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version    INTEGER PRIMARY KEY,
                    name       TEXT NOT NULL,
                    checksum   TEXT NOT NULL,
                    applied_at TEXT NOT NULL
                )
                """)
            var applied: [Int] = []
            for migration in migrations {
                // Each migration: check and apply under one write lock, so two processes starting
                // at once cannot both apply it. Foreign keys can only be switched outside it.
                if migration.rebuildsTables { try connection.execute("PRAGMA foreign_keys = OFF") }
                defer { if migration.rebuildsTables { try? connection.execute("PRAGMA foreign_keys = ON") } }
                let didApply = try connection.transaction { () throws -> Bool in
                    let recorded = try connection.firstRow(
                        "SELECT checksum FROM schema_migrations WHERE version = ?", [.int(migration.version)]
                    ) { $0.string(0) }
                    if let recorded {
                        guard recorded == migration.checksum else {
                            throw MigrationError.checksumMismatch(
                                version: migration.version, name: migration.name,
                                recorded: recorded, found: migration.checksum)
                        }
                        return false
                    }
                    try connection.execute(migration.sql)
                    if migration.rebuildsTables {
                        let violations = try connection.rows("PRAGMA foreign_key_check") { $0.string(0) }
                        guard violations.isEmpty else { throw MigrationError.foreignKeysBroken(version: migration.version, violations: violations.count) }
                    }
                    try connection.run(
                        "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)",
                        [
                            .int(migration.version), .text(migration.name), .text(migration.checksum),
                            .text(Timestamp.string(clock.now())),
                        ])
                    return true
                }
                if didApply { applied.append(migration.version) }
            }
            let known = Set(migrations.map(\.version))
            let inDatabase = try connection.rows("SELECT version FROM schema_migrations ORDER BY version") { $0.int(0) }
            if let unknown = inDatabase.first(where: { !known.contains($0) }) {
                throw MigrationError.unknownApplied(version: unknown)
            }
            return applied
        }
    }

    /// Where the migrations folder is, in order: an explicit path; `share/privatelinkd/migrations`
    /// beside the executable's folder (installed, as in the Docker image); the source checkout this
    /// build came from (`swift run`, tests).
    public static func locateDirectory(explicit: String?) throws -> URL {
        if let explicit { return URL(fileURLWithPath: explicit) }
        var candidates: [URL] = []
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
        let binDir = executable.deletingLastPathComponent()
        candidates.append(binDir.deletingLastPathComponent().appendingPathComponent("share/privatelinkd/migrations"))
        candidates.append(binDir.appendingPathComponent("migrations"))
        // Sources/Core/Store/Migrator.swift → the package root.
        let packageRoot = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(packageRoot.appendingPathComponent("migrations"))
        for candidate in candidates {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory), isDirectory.boolValue {
                return candidate
            }
        }
        throw MigrationError.notFound(searched: candidates.map(\.path))
    }
}
