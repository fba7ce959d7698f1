import Foundation
import Testing
@testable import Core

/// Migrations that rebuild tables (0012: `updating` setups and `update` jobs): rows survive with
/// their children, the new values are accepted, and a rebuild that would orphan rows is refused.
@Suite struct TableRebuildMigrationTests {
    @Test func setupsAndJobsKeepTheirRowsAndAcceptTheNewStates() throws {
        let (database, _) = try makeTestDatabase(migrate: false)
        let all = try repositoryMigrations()
        try Migrator(migrations: all.filter { $0.version < 12 }).migrate(database)
        let store = SetupStore(database: database)
        let request = try validRequest([("services", ["metrics"])])
        guard
            case let .created(created, _, _) = try store.create(
                request: request, plan: Plan(request: request, site: try #require(try Catalog.bundled().site("us1"))),
                idempotency: nil, actor: "test", render: { _ in (202, []) })
        else { throw StepFailure("x", "not created") }
        let before = try #require(try store.get(created.setup.id))

        let applied = try Migrator(migrations: all).migrate(database)
        #expect(applied.contains(12))
        let after = try #require(try store.get(created.setup.id))
        #expect(after.setup.revision == before.setup.revision && after.endpoints.map(\.id) == before.endpoints.map(\.id))
        #expect(after.jobs.map(\.id) == before.jobs.map(\.id))
        // The new values pass the CHECKs; the revision trigger still runs; foreign keys are on again.
        try database.write { db in
            try db.run("UPDATE setups SET status = 'updating' WHERE id = ?", [.text(created.setup.id)])
            try db.run("UPDATE jobs SET kind = 'update' WHERE setup_id = ?", [.text(created.setup.id)])
        }
        #expect(try store.get(created.setup.id)?.setup.revision ?? 0 > after.setup.revision)
        #expect(throws: SQLiteError.self) {
            try database.write { db in try db.run("UPDATE setups SET status = 'nonsense' WHERE id = ?", [.text(created.setup.id)]) }
        }
        #expect(throws: SQLiteError.self) {
            try database.write { db in
                try db.run(
                    "INSERT INTO jobs (id, setup_id, kind, state, steps, run_after, created_at, updated_at) VALUES ('jb_x', 'su_none', 'update', 'queued', '[]', '', '', '')"
                )
            }
        }
    }

    @Test func aRebuildThatWouldOrphanRowsIsRefusedWhole() throws {
        let (database, _) = try makeTestDatabase(migrate: false)
        let setup = Migration(
            version: 1, name: "tables",
            sql:
                "CREATE TABLE parent (id TEXT PRIMARY KEY); CREATE TABLE child (parent_id TEXT REFERENCES parent (id)); INSERT INTO parent VALUES ('p'); INSERT INTO child VALUES ('p');"
        )
        let rebuild = Migration(
            version: 2, name: "rebuild",
            sql: Migration.rebuildsTablesMarker + "\nCREATE TABLE parent_new (id TEXT PRIMARY KEY); DROP TABLE parent; ALTER TABLE parent_new RENAME TO parent;"
        )
        #expect(rebuild.rebuildsTables)
        #expect(throws: MigrationError.foreignKeysBroken(version: 2, violations: 1)) { try Migrator(migrations: [setup, rebuild]).migrate(database) }
        let rows = try database.read { db in try db.rows("SELECT count(*) FROM parent", []) { $0.int(0) } }
        #expect(rows == [1])
    }
}
