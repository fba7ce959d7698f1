import Foundation
import Testing
@testable import Core

/// Routes privatelinkd chooses between a hub and a spoke (here a peering setup's peer) and adds
/// itself, and the preflight refusals AWS would otherwise answer late: the pure judgements as
/// tables, then the whole way on moto.
@Suite struct SpokeRoutesTests {
    static func table(_ id: String, subnets: [String] = [], main: Bool = false, routes: [(String, String)] = []) throws -> RouteTable {
        let routeXML = routes.map {
            let target = $0.1.hasPrefix("pcx-") ? "<vpcPeeringConnectionId>\($0.1)</vpcPeeringConnectionId>" : "<gatewayId>\($0.1)</gatewayId>"
            return "<item><destinationCidrBlock>\($0.0)</destinationCidrBlock>\(target)</item>"
        }.joined()
        let associations = subnets.map { "<item><subnetId>\($0)</subnetId><main>false</main></item>" }.joined() + (main ? "<item><main>true</main></item>" : "")
        return RouteTable(
            try XMLTree.parse(
                Data(
                    "<item><routeTableId>\(id)</routeTableId><vpcId>vpc-1</vpcId><routeSet>\(routeXML)</routeSet><associationSet>\(associations)</associationSet></item>"
                        .utf8)))
    }

    @Test func theEndpointSideUsesTheSubnetsTablesOrTheMainOne() throws {
        let tables = [
            try Self.table("rtb-main", main: true), try Self.table("rtb-a", subnets: ["subnet-a"]), try Self.table("rtb-other", subnets: ["subnet-x"]),
        ]
        #expect(SpokeRoutes.endpointSideTables(tables, subnets: ["subnet-a", "subnet-b"]) == ["rtb-a", "rtb-main"])
        #expect(SpokeRoutes.endpointSideTables(tables, subnets: ["subnet-a"]) == ["rtb-a"])
    }

    @Test(arguments: [
        (["10.1.0.0/16"], ["10.2.0.0/16"], false), (["10.1.0.0/16"], ["10.1.128.0/20"], true), (["10.0.0.0/8"], ["10.200.0.0/16"], true),
        (["10.1.0.0/16", "100.64.0.0/16"], ["100.64.3.0/24"], true), (["192.168.0.0/24"], ["192.168.1.0/24"], false),
    ])
    func overlappingRangesAreRefusedNamingBoth(own: [String], peer: [String], overlaps: Bool) {
        let failure = SpokeRoutes.overlap(own: own, ownVPC: "vpc-own", peer: peer, peerVPC: "vpc-peer")
        #expect((failure != nil) == overlaps)
        if let failure { #expect(failure.code == "cidr_overlap" && failure.message.contains("vpc-own") && failure.message.contains("vpc-peer")) }
    }

    @Test func aRouteToTheOtherRangeThroughSomethingElseIsAConflict() throws {
        let tables = [
            try Self.table("rtb-1", routes: [("10.2.0.0/16", "igw-0123")]), try Self.table("rtb-2", routes: [("10.2.0.0/16", "pcx-ours")]),
            try Self.table("rtb-3", routes: [("10.2.0.0/16", "pcx-theirs")]),
        ]
        func conflict(_ managed: Set<String>, _ target: EC2Client.RouteTarget?) -> StepFailure? {
            SpokeRoutes.conflict(in: tables, managed: managed, destinations: ["10.2.0.0/16"], target: target, field: "peer.route_table_ids")
        }
        let found = conflict(["rtb-1"], nil)
        #expect(found?.code == "route_conflict" && found?.message.contains("rtb-1") == true && found?.message.contains("igw-0123") == true)
        #expect(found?.message.contains("peer.route_table_ids") == true)
        #expect(conflict(["rtb-2"], .peering("pcx-ours")) == nil)
        #expect(conflict(["rtb-3"], nil) == nil, "may be ours: not known yet")
        #expect(conflict(["rtb-3"], .peering("pcx-ours"))?.code == "route_conflict")
        #expect(conflict(["rtb-2"], .transitGateway("tgw-0abc"))?.message.contains("pcx-ours") == true, "a peering route is in a Transit Gateway's way")
        #expect(conflict([], nil) == nil, "tables it does not manage are not its business")
    }

    @Test func withNoTablesNamedItRoutesItselfAndTeardownLeavesTheTablesAsTheyWere() throws {
        let tests = ProvisioningTests()
        let world = try ProvisioningTests.world(rules: .init(pendingPolls: 1))
        let agents = try tests.agentsVPC(world)
        let ec2 = world.fixture.ec2()
        func routes(_ vpc: String) throws -> [String: Set<String>] {
            Dictionary(
                uniqueKeysWithValues: try ec2.describeRouteTables(filters: [EC2Filter("vpc-id", [vpc])]).map { table in
                    (table.id, Set(table.routes.map { "\($0.destinationCIDR ?? "") \($0.vpcPeeringConnectionID ?? $0.gatewayID ?? "")" }))
                })
        }
        let before = (try routes(world.net.vpc), try routes(agents.vpc))
        let id = try tests.submit(world, try tests.peeringRequest(world, agents, nameTables: false))
        world.provisioner.start()
        defer { world.provisioner.stop() }
        let detail = try tests.settle(world, id)
        #expect(detail.setup.status == .ready, "\(detail.setup.errorCode ?? "") \(detail.setup.errorMessage ?? "")")
        let pcx = try #require(try world.store.database.read { try SpokeRows.setupPeer($0, setupID: id) }?.peeringConnectionID)
        let ownCIDR = try #require(try ec2.describeVpcs(ids: [world.net.vpc]).first?.cidrBlocks.first)
        // Every table of the agents' VPC routes to the endpoints; the endpoint subnets' tables route back.
        for table in try ec2.describeRouteTables(filters: [EC2Filter("vpc-id", [agents.vpc])]) {
            #expect(table.routes.contains { $0.destinationCIDR == ownCIDR && $0.vpcPeeringConnectionID == pcx }, "\(table.id)")
        }
        let endpointTables = SpokeRoutes.endpointSideTables(
            try ec2.describeRouteTables(filters: [EC2Filter("vpc-id", [world.net.vpc])]), subnets: world.net.subnets)
        #expect(!endpointTables.isEmpty)
        for table in try ec2.describeRouteTables(filters: [EC2Filter("vpc-id", [world.net.vpc])]) where endpointTables.contains(table.id) {
            #expect(table.routes.contains { $0.destinationCIDR == agents.cidr && $0.vpcPeeringConnectionID == pcx }, "\(table.id)")
        }

        _ = try world.store.requestTeardown(id, deleteAdopted: false, actor: "test")
        world.provisioner.notify()
        #expect(try tests.settle(world, id, statuses: [.deleted, .failed]).setup.status == .deleted)
        #expect(try routes(world.net.vpc) == before.0 && routes(agents.vpc) == before.1, "the route tables are as they were")
    }

    @Test func overlappingVPCsAreRefusedInPreflightBeforeAnythingIsCreated() throws {
        let tests = ProvisioningTests()
        let world = try ProvisioningTests.world(rules: .init(pendingPolls: 1))
        let ownCIDR = try #require(try world.fixture.ec2().describeVpcs(ids: [world.net.vpc]).first?.cidrBlocks.first)
        let clash = try MotoFixture(region: "us-east-1").network(cidr: ownCIDR)  // the same range
        let agents = ProvisioningTests.Agents(vpc: clash.vpc, region: "us-east-1", cidr: ownCIDR, tables: [])
        let id = try tests.submit(world, try tests.peeringRequest(world, agents, nameTables: false))
        world.provisioner.start()
        defer { world.provisioner.stop() }
        let detail = try tests.settle(world, id)
        #expect(detail.setup.status == .failed && detail.setup.errorCode == "cidr_overlap", "\(detail.setup.errorMessage ?? "")")
        #expect(detail.setup.errorMessage?.contains(world.net.vpc) == true && detail.setup.errorMessage?.contains(clash.vpc) == true)
        #expect(try tests.endpointsInVPC(world).isEmpty && world.proxy.creates.withLock { $0.isEmpty })
        let peer = try #require(try world.store.database.read { try SpokeRows.setupPeer($0, setupID: id) })
        #expect(peer.peeringConnectionID == nil && peer.status == .failed && peer.errorCode == "cidr_overlap")
    }
}
