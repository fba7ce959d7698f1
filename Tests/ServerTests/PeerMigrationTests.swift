import Core
import Foundation
import Logging
import Testing
@testable import Server

/// Migration 0017: a `vpc_peering` setup written before it (its peering, routes and associations on
/// the setup's row and its zones' rows) reads the same afterwards, and its peer is now a spoke that
/// `GET …/spokes` lists with what it made.
@Suite struct PeerMigrationTests {
    static let ready = "su_01PEERMIGRATION00000000001"
    static let pending = "su_01PEERMIGRATION00000000002"
    static let hub = "su_01PEERMIGRATION00000000003"
    /// Failed while provisioning (its peer's steps may not have run), and failed in a later change.
    static let failedEarly = "su_01PEERMIGRATION00000000004"
    static let failedLater = "su_01PEERMIGRATION00000000005"
    /// Failed while being deleted: its peer is being deleted with it.
    static let failedDeleting = "su_01PEERMIGRATION00000000006"

    /// Rows as the schema before 0017 holds them, in its own SQL (today's store writes the new shape).
    static func seed(_ database: Database) throws {
        let peer =
            #"{"vpc_id":"vpc-0a1b2c3d4e5f60718","region":"eu-west-1","account_id":"222222222222","role_arn":"arn:aws:iam::222222222222:role/peer","peering_connection_id":null,"route_table_ids":[],"manage_routes":true}"#
        let named = peer.replacingOccurrences(of: #""peering_connection_id":null"#, with: #""peering_connection_id":"pcx-0fedcba9876543210""#)
        try database.write { db in
            for (id, mode, status, peerJSON) in [
                (ready, "vpc_peering", "ready", peer), (pending, "vpc_peering", "pending", named), (hub, "hub", "ready", "null"),
                (failedEarly, "vpc_peering", "failed", peer), (failedLater, "vpc_peering", "failed", peer),
                (failedDeleting, "vpc_peering", "failed", peer),
            ] {
                let request =
                    #"{"site":"us1","mode":"\#(mode)","region":"us-east-1","vpc_id":"vpc-0123456789abcdef0","subnet_ids":["subnet-0123456789abcdef0"],"security_group_ids":["sg-0123456789abcdef0"],"services":["metrics","api"],"account_id":"111111111111","peer":\#(peerJSON)}"#
                try db.run(
                    """
                    INSERT INTO setups (id, site, mode, region, service_region, vpc_id, subnet_ids, security_group_ids, services, account_id,
                        peer, status, request, created_at, updated_at, created_by, revision)
                    VALUES (?, 'us1', ?, 'us-east-1', 'us-east-1', 'vpc-0123456789abcdef0', '["subnet-0123456789abcdef0"]',
                        '["sg-0123456789abcdef0"]', '["metrics","api"]', '111111111111', ?, ?, ?, '2026-11-01T10:00:00.000Z',
                        '2026-11-01T10:12:00.000Z', 'token:platform', 7)
                    """, [.text(id), .text(mode), .text(peerJSON), .text(status), .text(request)])
                try db.run(
                    "INSERT INTO transitions (setup_id, entity_type, entity_id, to_state, at, actor) VALUES (?, 'setup', ?, ?, '2026-11-01T10:00:00.000Z', 'token:platform')",
                    [.text(id), .text(id), .text(status)])
            }
            for (n, key) in ["metrics", "api"].enumerated() {
                try db.run(
                    """
                    INSERT INTO endpoints (id, setup_id, services, service_name, private_dns_name, state, vpc_endpoint_id, dns_name,
                        dns_hosted_zone_id, created_at, updated_at, created_by)
                    VALUES (?, ?, ?, ?, ?, 'available', ?, ?, 'Z7HUB00000000', '2026-11-01T10:01:00.000Z', '2026-11-01T10:08:00.000Z', ?)
                    """,
                    [
                        .text("ep_\(n)"), .text(ready), .text("[\"\(key)\"]"), .text("com.amazonaws.vpce.us-east-1.vpce-svc-\(n)"),
                        .text("\(key).agent.datadoghq.com"), .text("vpce-0\(n)"), .text("vpce-0\(n).vpce-svc-\(n).us-east-1.vpce.amazonaws.com"),
                        .text(ready),
                    ])
                try db.run(
                    """
                    INSERT INTO hosted_zones (id, setup_id, endpoint_id, name, zone_id, caller_reference, record_upserted, associated_vpcs,
                        authorized_vpcs, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, 1, '["vpc-0a1b2c3d4e5f60718@eu-west-1"]', '["vpc-0a1b2c3d4e5f60718@eu-west-1"]',
                        '2026-11-01T10:09:00.000Z', '2026-11-01T10:10:00.000Z')
                    """,
                    [.text("hz_\(n)"), .text(ready), .text("ep_\(n)"), .text("\(key).agent.datadoghq.com"), .text("Z0ZONE\(n)"), .text("ref-\(n)")])
            }
            for (id, kinds) in [
                (failedEarly, [("provision", "failed")]), (failedLater, [("provision", "succeeded"), ("update", "failed")]),
                (failedDeleting, [("provision", "succeeded"), ("teardown", "failed")]),
            ] {
                for (n, (kind, state)) in kinds.enumerated() {
                    try db.run(
                        "INSERT INTO jobs (id, setup_id, kind, state, steps, run_after, created_at, updated_at) VALUES (?, ?, ?, ?, '[]', 't', 't', 't')",
                        [.text("jb_\(id.suffix(2))\(n)"), .text(id), .text(kind), .text(state)])
                }
                try db.run("UPDATE setups SET error_code = 'routes_missing', error_message = 'no route' WHERE id = ?", [.text(id)])
            }
            try db.run(
                """
                UPDATE setups SET peering_connection_id = 'pcx-0123456789abcdef0', peering_created = 1,
                    routes_added = '["rtb-0aaaaaaaaaaaaaaaa:10.20.0.0/16","rtb-0bbbbbbbbbbbbbbbb:10.10.0.0/16"]' WHERE id = ?
                """, [.text(ready)])
        }
    }

    @Test func aPeeringSetupFromBeforeReadsTheSameAndListsItsPeerAsASpoke() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("privatelinkd-0017-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let database = try Database(path: folder.appendingPathComponent("api.sqlite").path, readers: 2)
        let migrations = try Migration.load(from: Migrator.locateDirectory(explicit: nil))
        try Migrator(migrations: migrations.filter { $0.version < 17 }).migrate(database)
        try Self.seed(database)
        let api = SetupsAPITests(
            app: Application(catalog: try Catalog.bundled(), store: SetupStore(database: database), corsOrigins: [], logger: Logger(label: "test")))
        let before = api.call("GET", "/v1/setups/\(Self.ready)")
        #expect(before.0.status == 200)

        #expect(try Migrator(migrations: migrations).migrate(database) == [17])
        let after = api.call("GET", "/v1/setups/\(Self.ready)")
        #expect(after.0.status == 200 && after.0.header("ETag") == before.0.header("ETag"))
        #expect(after.0.body == before.0.body, "the setup reads the same")

        let spokes = try #require(api.call("GET", "/v1/setups/\(Self.ready)/spokes").1?["spokes"]?.arrayValue)
        #expect(spokes.count == 1)
        let spoke = try #require(spokes.first)
        #expect(spoke["id"] == "sp_01PEERMIGRATION00000000001" && spoke["status"] == "ready" && spoke["setup_peer"] == true)
        #expect(spoke["vpc_id"] == "vpc-0a1b2c3d4e5f60718" && spoke["region"] == "eu-west-1" && spoke["transport"] == "peering")
        #expect(spoke["request"]?["role_arn"] == "arn:aws:iam::222222222222:role/peer")
        #expect(spoke["peering_connection_id"] == "pcx-0123456789abcdef0")
        #expect(spoke["created"]?["peering_connection_id"] == "pcx-0123456789abcdef0")
        #expect(spoke["created"]?["routes"] == JSON.strings(["rtb-0aaaaaaaaaaaaaaaa:10.20.0.0/16", "rtb-0bbbbbbbbbbbbbbbb:10.10.0.0/16"]))
        #expect(spoke["created"]?["associated_zones"] == JSON.strings(["Z0ZONE0", "Z0ZONE1"]))
        #expect(spoke["created"]?["authorized_zones"] == JSON.strings(["Z0ZONE0", "Z0ZONE1"]))
        #expect(spoke["created_by"] == "token:platform")

        // The Agent configuration names the same VPCs per zone: the endpoints' and the agents'.
        let zones = try #require(api.call("GET", "/v1/setups/\(Self.ready)/agent-config").1?["hosted_zones"]?.arrayValue)
        #expect(zones.count == 2)
        for zone in zones {
            #expect(zone["associated_vpcs"] == JSON.strings(["vpc-0123456789abcdef0@us-east-1", "vpc-0a1b2c3d4e5f60718@eu-west-1"]))
        }

        // The move is in the audit trail; the peer goes and is retried with its setup only.
        let moved = try database.read {
            try $0.rows("SELECT to_state, actor FROM transitions WHERE entity_type = 'spoke' ORDER BY id") { "\($0.string(0)) \($0.string(1))" }
        }
        #expect(moved == ["ready migration", "pending migration", "failed migration", "ready migration", "deleting migration"])
        let refused = api.call("DELETE", "/v1/setups/\(Self.ready)/spokes/sp_01PEERMIGRATION00000000001")
        #expect(refused.0.status == 409 && refused.1?["error"]?["message"]?.stringValue?.contains("DELETE /v1/setups/\(Self.ready)") == true)

        // A pending setup that named its peering: the spoke knows it (it counts as in use).
        let pendingSpokes = try #require(api.call("GET", "/v1/setups/\(Self.pending)/spokes").1?["spokes"]?.arrayValue)
        #expect(pendingSpokes.count == 1 && pendingSpokes.first?["status"] == "pending")
        #expect(
            pendingSpokes.first?["peering_connection_id"] == "pcx-0fedcba9876543210" && pendingSpokes.first?["created"]?["peering_connection_id"] == JSON.null)
        // Failed while provisioning: the peer failed with the setup's error; failed later: in place.
        let early = api.call("GET", "/v1/setups/\(Self.failedEarly)/spokes").1?["spokes"]?.arrayValue?.first
        #expect(early?["status"] == "failed" && early?["error"]?["code"] == "routes_missing")
        let later = api.call("GET", "/v1/setups/\(Self.failedLater)/spokes").1?["spokes"]?.arrayValue?.first
        #expect(later?["status"] == "ready" && later?["error"] == JSON.null)
        let deleting = api.call("GET", "/v1/setups/\(Self.failedDeleting)/spokes").1?["spokes"]?.arrayValue?.first
        #expect(deleting?["status"] == "deleting")
        #expect(api.call("GET", "/v1/setups/\(Self.hub)/spokes").1?["spokes"]?.arrayValue?.isEmpty == true)
        // The columns the peer's pieces came from are gone: one place says what a peer made.
        let columns = try database.read { try $0.rows("SELECT name FROM pragma_table_info('setups')") { $0.string(0) } }
        #expect(!columns.contains("peering_connection_id") && !columns.contains("routes_added"))
    }
}
