import Foundation
import Testing
@testable import Core

/// Migrations that rebuild tables (0012: `updating` setups and `update` jobs; 0014: hubs; 0015:
/// spoke jobs and transitions): rows survive with
/// their children, the new values are accepted, and a rebuild that would orphan rows is refused.
@Suite struct TableRebuildMigrationTests {
    @Test func setupsAndJobsKeepTheirRowsAndAcceptTheNewStates() throws {
        let (database, _) = try makeTestDatabase(migrate: false)
        let all = try repositoryMigrations()
        try Migrator(migrations: all.filter { $0.version < 12 }).migrate(database)
        let store = SetupStore(database: database)
        // Rows as the schema before the rebuilds holds them, written in its own SQL: today's store
        // reads columns later migrations add.
        let request = try validRequest([("services", ["metrics"])])
        let id = "su_01TESTREBUILD0000000000000"
        try database.write { db in
            try db.run(
                """
                INSERT INTO setups (id, site, mode, region, service_region, vpc_id, subnet_ids, security_group_ids, services, status,
                    request, created_at, updated_at, created_by, team)
                VALUES (?, 'us1', 'same_region', 'us-east-1', 'us-east-1', ?, ?, ?, '["metrics"]', 'pending', ?, 't', 't', 'test', NULL)
                """,
                [
                    .text(id), .text(request.vpcID), StoredJSON.text(request.subnetIDs), StoredJSON.text(request.securityGroupIDs),
                    .text(request.json.serializedString),
                ])
            try db.run(
                """
                INSERT INTO endpoints (id, setup_id, services, service_name, private_dns_name, state, created_at, updated_at)
                VALUES ('ep_1', ?, '["metrics"]', 'com.amazonaws.vpce.us-east-1.vpce-svc-1', 'metrics.agent.datadoghq.com', 'requested', 't', 't')
                """, [.text(id)])
            try db.run(
                "INSERT INTO jobs (id, setup_id, kind, state, steps, run_after, created_at, updated_at) VALUES ('jb_1', ?, 'provision', 'queued', '[]', 't', 't', 't')",
                [.text(id)])
            try db.run(
                "INSERT INTO transitions (setup_id, entity_type, entity_id, to_state, at, actor) VALUES (?, 'setup', ?, 'pending', 't', 'test')",
                [.text(id), .text(id)])
        }
        let revisionBefore = try #require(try database.read { try $0.firstRow("SELECT revision FROM setups WHERE id = ?", [.text(id)]) { $0.int(0) } })

        let applied = try Migrator(migrations: all).migrate(database)
        #expect(applied.contains(12))
        let after = try #require(try store.get(id))
        #expect(after.setup.revision == revisionBefore && after.endpoints.map(\.id) == ["ep_1"])
        #expect(after.jobs.map(\.id) == ["jb_1"])
        #expect(try store.events(id)?.count == 1)
        // The new values pass the CHECKs; the revision trigger still runs; foreign keys are on again.
        try database.write { db in
            try db.run("UPDATE setups SET status = 'updating', mode = 'hub' WHERE id = ?", [.text(id)])  // 0012, 0014
            try db.run("UPDATE jobs SET kind = 'add_spoke' WHERE setup_id = ?", [.text(id)])  // 0015
            try db.run("UPDATE jobs SET kind = 'update' WHERE setup_id = ?", [.text(id)])  // 0012
        }
        #expect(try store.get(id)?.setup.revision ?? 0 > after.setup.revision)
        #expect(throws: SQLiteError.self) {
            try database.write { db in try db.run("UPDATE setups SET status = 'nonsense' WHERE id = ?", [.text(id)]) }
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
