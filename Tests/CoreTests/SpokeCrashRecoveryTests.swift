import Foundation
import Testing
@testable import Core
#if canImport(Glibc)
    import Glibc
#endif

/// kill -9 of the real binary while it adds spokes: restarted, it converges with one peering per
/// spoke (found again by its tag), each zone associated once, and every route in place.
extension CrashRecoveryTests {
    @Test func killedWhileAddingSpokesItConvergesWithoutDuplicates() throws {
        let world = try ProvisioningTests.world(rules: .init(pendingPolls: 1))
        let catalogURL = FileManager.default.temporaryDirectory.appendingPathComponent("spoke-crash-catalog-\(UUID().uuidString).json")
        try JSONEncoder().encode(world.catalog).write(to: catalogURL)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("spoke-crash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let db = folder.appendingPathComponent("crash.sqlite").path
        var (process, port) = try Self.start(db: db, catalog: catalogURL, proxy: world.proxy)
        func post(_ path: String, _ body: JSON) throws -> JSON {
            let response = try URLSessionTransport().send(
                TransportRequest(
                    method: "POST", url: URL(string: "http://127.0.0.1:\(port)\(path)")!, headers: [("Content-Type", "application/json")],
                    body: body.serialized()))
            #expect(response.status == 202, "\(String(decoding: response.body, as: UTF8.self))")
            return try JSON.parse(response.body)
        }
        try world.fixture.admit("10.0.0.0/8", to: world.net.securityGroup)  // the spokes' ranges reach the endpoints
        let hub = try post(
            "/v1/setups",
            .object([
                ("site", "us1"), ("mode", "hub"), ("region", "us-east-1"), ("vpc_id", .string(world.net.vpc)), ("subnet_ids", .strings(world.net.subnets)),
                ("security_group_ids", .strings([world.net.securityGroup])), ("services", ["metrics", "api"]),
            ]))
        let hubID = try #require(hub["id"]?.stringValue)
        #expect(Self.waitFor(db, "SELECT count(*) FROM setups WHERE status = 'ready'", atLeast: 1), "\(Self.state(db))")

        let taken = try world.fixture.ec2().describeVpcs(ids: [world.net.vpc])[0].cidrBlocks[0]
        let vpcs = try (140...150).filter { !taken.hasPrefix("10.\($0).") }.prefix(3).map {
            try MotoFixture(region: "us-east-1").network(cidr: "10.\($0).0.0/16").vpc
        }
        var spokeIDs: [String] = []
        for vpc in vpcs {
            let spoke = try post("/v1/setups/\(hubID)/spokes", .object([("vpc_id", .string(vpc)), ("region", "us-east-1"), ("transport", "peering")]))
            spokeIDs.append(try #require(spoke["id"]?.stringValue))
        }
        // Kill points: a peering recorded, routes recorded, associations recorded.
        for (point, atLeast) in [
            ("SELECT count(*) FROM spokes WHERE peering_connection_id IS NOT NULL", 1), ("SELECT count(*) FROM spokes WHERE routes_added <> '[]'", 1),
            ("SELECT count(*) FROM spokes WHERE associated_zones <> '[]'", 2),
        ] {
            #expect(Self.waitFor(db, point, atLeast: atLeast), "never reached: \(point); \(Self.state(db))")
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            (process, port) = try Self.start(db: db, catalog: catalogURL, proxy: world.proxy)
        }
        defer { kill(process.processIdentifier, SIGTERM); process.waitUntilExit() }
        #expect(Self.waitFor(db, "SELECT count(*) FROM spokes WHERE status IN ('ready', 'failed')", atLeast: 3), "\(Self.state(db))")

        let database = try Database(path: db, readers: 1)
        defer { database.close() }
        let store = SetupStore(database: database)
        let zones = try database.read { try ZoneRows.zones($0, setupID: hubID) }.compactMap(\.zoneID)
        let route53 = Route53Client(client: world.fixture.aws)
        let ec2 = world.fixture.ec2()
        for (spokeID, vpc) in zip(spokeIDs, vpcs) {
            let spoke = try #require(try store.spoke(spokeID))
            #expect(spoke.status == .ready, "\(spoke.errorCode ?? "") \(spoke.errorMessage ?? "")")
            // One live peering per spoke: a restart found the one it had made by its tag.
            let peerings = try ec2.describeVpcPeeringConnections(filters: [EC2Filter("tag:privatelinkd:spoke", [spokeID])])
                .filter { $0.tags["privatelinkd:spoke"] == spokeID && !["deleted", "rejected", "failed"].contains($0.status) }
            #expect(peerings.map(\.id) == [spoke.peeringConnectionID].compactMap { $0 })
            let associated = try route53.listHostedZonesByVPC(vpcID: vpc, vpcRegion: "us-east-1").map(\.id)
            #expect(associated.count == Set(associated).count && Set(zones).isSubset(of: Set(associated)))
            #expect(Set(spoke.associatedZones) == Set(zones) && spoke.associatedZones.count == zones.count)
            #expect(spoke.routesAdded.count == Set(spoke.routesAdded).count && !spoke.routesAdded.isEmpty)
        }
        // The hub's endpoints were not touched: still its two, available.
        let live = try ec2.describeVpcEndpoints(filters: [EC2Filter("vpc-id", [world.net.vpc])]).filter { $0.state != .deleted }
        #expect(live.count == 2)
    }
}
