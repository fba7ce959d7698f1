import Foundation
import Testing
@testable import Core

@Suite struct MigratorTests {
    @Test func freshDatabaseGetsEveryMigrationThenNoneOnRerun() throws {
        let (database, _) = try makeTestDatabase(migrate: false)
        let migrations = try repositoryMigrations()
        #expect(!migrations.isEmpty)
        let first = try Migrator(migrations: migrations).migrate(database)
        #expect(first == migrations.map(\.version))
        let second = try Migrator(migrations: migrations).migrate(database)
        #expect(second.isEmpty)
        let recorded = try database.read { db in
            try db.rows("SELECT version, checksum FROM schema_migrations ORDER BY version") { ($0.int(0), $0.string(1)) }
        }
        #expect(recorded.map(\.0) == migrations.map(\.version))
        #expect(recorded.map(\.1) == migrations.map(\.checksum))
        let tables = try database.read { db in
            try db.rows("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name") { $0.string(0) }
        }
        #expect(Set(tables).isSuperset(of: ["setups", "endpoints", "jobs", "transitions", "idempotency_keys"]))
        let journal = try database.withWriter { try $0.firstRow("PRAGMA journal_mode", [], { $0.string(0) }) }
        #expect(journal == "wal")
    }

    @Test func changedAppliedMigrationIsRefused() throws {
        let (database, _) = try makeTestDatabase(migrate: false)
        let original = Migration(version: 1, name: "first", sql: "CREATE TABLE a (x INTEGER);")
        try Migrator(migrations: [original]).migrate(database)
        let tampered = Migration(version: 1, name: "first", sql: "CREATE TABLE a (x INTEGER, y TEXT);")
        #expect(throws: MigrationError.checksumMismatch(version: 1, name: "first", recorded: original.checksum, found: tampered.checksum)) {
            try Migrator(migrations: [tampered]).migrate(database)
        }
    }

    @Test func failingMigrationLeavesNothingBehind() throws {
        let (database, _) = try makeTestDatabase(migrate: false)
        let good = Migration(version: 1, name: "good", sql: "CREATE TABLE a (x INTEGER);")
        let bad = Migration(version: 2, name: "bad", sql: "CREATE TABLE b (x INTEGER); INSERT INTO nowhere VALUES (1);")
        #expect(throws: SQLiteError.self) { try Migrator(migrations: [good, bad]).migrate(database) }
        let state = try database.read { db in
            (
                try db.rows("SELECT version FROM schema_migrations", [], { $0.int(0) }),
                try db.rows("SELECT name FROM sqlite_master WHERE name = 'b'", [], { $0.string(0) })
            )
        }
        #expect(state.0 == [1])
        #expect(state.1.isEmpty)
    }

    @Test func newerDatabaseIsRefused() throws {
        let (database, _) = try makeTestDatabase(migrate: false)
        let one = Migration(version: 1, name: "one", sql: "CREATE TABLE a (x INTEGER);")
        let two = Migration(version: 2, name: "two", sql: "CREATE TABLE b (x INTEGER);")
        try Migrator(migrations: [one, two]).migrate(database)
        #expect(throws: MigrationError.unknownApplied(version: 2)) { try Migrator(migrations: [one]).migrate(database) }
    }

    @Test func filesAreReadInVersionOrder() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("migrations-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try "SELECT 2;".write(to: folder.appendingPathComponent("0010_later.sql"), atomically: true, encoding: .utf8)
        try "SELECT 1;".write(to: folder.appendingPathComponent("0002_earlier.sql"), atomically: true, encoding: .utf8)
        try "notes".write(to: folder.appendingPathComponent("README"), atomically: true, encoding: .utf8)
        let loaded = try Migration.load(from: folder)
        #expect(loaded.map(\.version) == [2, 10])
        #expect(loaded.map(\.name) == ["earlier", "later"])
        try "SELECT 3;".write(to: folder.appendingPathComponent("x_bad.sql"), atomically: true, encoding: .utf8)
        #expect(throws: MigrationError.badFileName("x_bad.sql")) { try Migration.load(from: folder) }
    }
}
