import Foundation
import Testing
@testable import Core

/// Hub mode against moto: endpoints in a shared VPC with private DNS off, a private hosted zone per
/// intake name holding an alias to its endpoint, associated with the hub's VPC; no peer.
extension ProvisioningTests {
    @Test func aHubReachesReadyWithAZoneAndAliasPerIntakeNameAndItsTeardownLeavesNothing() throws {
        let world = try Self.world(rules: .init(pendingPolls: 1))
        let request = try self.request(world, mode: "hub")
        #expect(request.mode == .hub && request.peer == nil)
        let plan = Plan(request: request, site: world.catalog.site("us1")!)
        #expect(plan.stepNames.contains("create_hosted_zone:metrics") && plan.stepNames.contains("upsert_alias_record:api"))
        #expect(!plan.stepNames.contains { $0.hasPrefix("associate_zone") || $0.contains("peering") || $0 == "check_routes" })
        let id = try submit(world, request)
        world.provisioner.start()
        defer { world.provisioner.stop() }
        let detail = try settle(world, id)
        #expect(detail.setup.status == .ready, "\(detail.setup.errorCode ?? "") \(detail.setup.errorMessage ?? "")")

        let endpoints = try world.fixture.ec2().describeVpcEndpoints(ids: detail.endpoints.compactMap(\.vpcEndpointID))
        #expect(endpoints.count == 2 && endpoints.allSatisfy { !$0.privateDNSEnabled })
        let zones = try world.store.database.read { try ZoneRows.zones($0, setupID: id) }
        #expect(zones.count == 2 && zones.allSatisfy { $0.zoneID != nil && $0.recordUpserted })
        #expect(try world.store.spokes(of: id).isEmpty, "a hub needs no spoke to be ready")
        let route53 = Route53Client(client: world.fixture.aws)
        let hubZones = try route53.listHostedZonesByVPC(vpcID: world.net.vpc, vpcRegion: "us-east-1")
        #expect(Set(hubZones.map(\.id)) == Set(zones.compactMap(\.zoneID)))
        for zone in zones {
            let endpoint = try #require(detail.endpoints.first { $0.id == zone.endpointID })
            let records = try route53.listResourceRecordSets(zoneID: zone.zoneID!)
            #expect(records.contains { $0.type == "A" && $0.aliasDNSName?.hasPrefix(endpoint.dnsName ?? "?") == true })
        }
        // Its Agents are told the zones answer in the hub's VPC.
        let configuration = AgentConfiguration(setup: detail.setup, site: world.catalog.site("us1")!, zones: zones)
        #expect(configuration.zones.count == 2 && configuration.zones.allSatisfy { $0.vpcs == ["\(world.net.vpc)@us-east-1"] })
        // A hub costs its endpoint hours and a zone per intake name.
        let cost = CostEstimate(shape: .init(request: request, plan: plan), prices: RegionPrices.bundled["us-east-1"])
        let expected: Double = 2 * Double(world.net.subnets.count) * 730 * 0.01 + 2 * 0.5
        #expect(cost.monthlyUSD == (expected * 100).rounded() / 100)

        _ = try world.store.requestTeardown(id, deleteAdopted: false, actor: "test")
        world.provisioner.notify()
        let after = try settle(world, id, timeout: 30, statuses: [.deleted, .failed])
        #expect(after.setup.status == .deleted, "\(after.setup.errorMessage ?? "")")
        #expect(after.jobs.last?.steps == ["disassociate_zones", "delete_routes", "delete_zones", "delete_endpoints", "wait_deleted"])
        #expect(try endpointsInVPC(world).isEmpty)
        #expect(try route53.listHostedZonesByVPC(vpcID: world.net.vpc, vpcRegion: "us-east-1").isEmpty)
    }
}

/// Spokes of a hub against moto: a peering spoke with no tables named and a Transit Gateway spoke
/// reach ready with the hub's zones associated and routes both ways, with no endpoint call; one is
/// removed alone; an overlapping VPC and a missing attachment are refused in preflight; the hub's
/// teardown takes its spokes first.
extension ProvisioningTests {
    func spokeRequest(
        _ world: World, hub hubID: String, vpc: String, region: String = "us-east-1", transport: String, tgw: String? = nil
    ) throws -> SpokeRequest {
        var body: [(String, JSON)] = [("vpc_id", .string(vpc)), ("region", .string(region)), ("transport", .string(transport))]
        if let tgw { body.append(("transit_gateway_id", .string(tgw))) }
        let hub = try #require(try world.store.get(hubID)?.setup)
        return try SpokeValidator(catalog: world.catalog).validate(.object(body), hub: hub).get()
    }

    /// A hub of two services, ready: its id and its zones' endpoint keys. Its endpoints' security
    /// group admits TCP 443 from 10/8, where the tests' spokes are, as the network team would.
    func readyHub(_ world: World) throws -> (String, [String]) {
        try world.fixture.admit("10.0.0.0/8", to: world.net.securityGroup)
        let request = try self.request(world, mode: "hub")
        let hubID = try submit(world, request)
        #expect(try settle(world, hubID).setup.status == .ready)
        return (hubID, Plan(request: request, site: world.catalog.site("us1")!).endpoints.map(\.key))
    }

    /// A ready hub and a peering spoke asked for in a new VPC of its region (its job queued).
    func hubWithPeeringSpoke(_ world: World) throws -> (hub: String, vpc: Agents, spoke: SpokeRecord) {
        let (hubID, zoneKeys) = try readyHub(world)
        let peered = try agentsVPC(world)
        let spoke = try world.store.requestSpoke(
            hubID: hubID, request: try spokeRequest(world, hub: hubID, vpc: peered.vpc, transport: "peering"), zoneKeys: zoneKeys, actor: "test")
        return (hubID, peered, spoke)
    }

    func waitForSpoke(_ world: World, _ id: String, _ statuses: Set<SpokeStatus>, timeout: TimeInterval = 60) throws -> SpokeRecord {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let spoke = try world.store.spoke(id), statuses.contains(spoke.status) { return spoke }
            usleep(20_000)  // polling the database for the workers' result, bounded by the deadline
        }
        return try #require(try world.store.spoke(id))
    }

    /// Three spokes: peering in the hub's region (no tables named), peering from another region,
    /// and a Transit Gateway.
    @Test func threeSpokesOverPeeringAcrossRegionsAndATransitGatewayAreAddedAndRemovedWithoutTouchingEndpoints() throws {
        let world = try Self.world(rules: .init(pendingPolls: 1))
        world.provisioner.start()
        defer { world.provisioner.stop() }
        let (hubID, zoneKeys) = try readyHub(world)
        let zones = try world.store.database.read { try ZoneRows.zones($0, setupID: hubID) }.compactMap(\.zoneID)

        let peered = try agentsVPC(world)
        let attached = try agentsVPC(world)
        let tgw = try #require(try world.fixture.raw("CreateTransitGateway", []).text("transitGateway", "transitGatewayId"))
        for (vpc, subnet) in [
            (world.net.vpc, world.net.subnets[0]),
            (attached.vpc, try world.fixture.ec2().describeSubnets(filters: [EC2Filter("vpc-id", [attached.vpc])])[0].id),
        ] {
            _ = try world.fixture.raw("CreateTransitGatewayVpcAttachment", [("TransitGatewayId", tgw), ("VpcId", vpc), ("SubnetIds.1", subnet)])
        }
        let far = try MotoFixture(region: "eu-west-1").network(cidr: "10.231.0.0/16")
        let farEC2 = try MotoFixture(region: "eu-west-1").ec2()
        let a = try world.store.requestSpoke(
            hubID: hubID, request: try spokeRequest(world, hub: hubID, vpc: peered.vpc, transport: "peering"), zoneKeys: zoneKeys, actor: "test")
        let c = try world.store.requestSpoke(
            hubID: hubID, request: try spokeRequest(world, hub: hubID, vpc: far.vpc, region: "eu-west-1", transport: "peering"), zoneKeys: zoneKeys,
            actor: "test")
        let b = try world.store.requestSpoke(
            hubID: hubID, request: try spokeRequest(world, hub: hubID, vpc: attached.vpc, transport: "transit_gateway", tgw: tgw), zoneKeys: zoneKeys,
            actor: "test")
        world.provisioner.notify()
        let readyA = try waitForSpoke(world, a.id, [.ready, .failed])
        let readyB = try waitForSpoke(world, b.id, [.ready, .failed])
        #expect(readyA.status == .ready, "\(readyA.errorCode ?? "") \(readyA.errorMessage ?? "")")
        #expect(readyB.status == .ready, "\(readyB.errorCode ?? "") \(readyB.errorMessage ?? "")")
        let readyC = try waitForSpoke(world, c.id, [.ready, .failed])
        #expect(readyC.status == .ready, "\(readyC.errorCode ?? "") \(readyC.errorMessage ?? "")")
        let farPCX = try #require(readyC.peeringConnectionID)
        #expect(try farEC2.describeVpcPeeringConnections(ids: [farPCX]).first?.status == "active")

        let route53 = Route53Client(client: world.fixture.aws)
        for (spoke, region) in [(peered.vpc, "us-east-1"), (attached.vpc, "us-east-1"), (far.vpc, "eu-west-1")] {
            #expect(Set(zones).isSubset(of: Set(try route53.listHostedZonesByVPC(vpcID: spoke, vpcRegion: region).map(\.id))))
        }
        let ec2 = world.fixture.ec2()
        let hubTables = try ec2.describeRouteTables(filters: [EC2Filter("vpc-id", [world.net.vpc])])
        #expect(hubTables.flatMap(\.routes).contains { $0.destinationCIDR == peered.cidr && $0.vpcPeeringConnectionID == readyA.peeringConnectionID })
        #expect(hubTables.flatMap(\.routes).contains { $0.destinationCIDR == attached.cidr && $0.transitGatewayID == tgw })
        #expect(hubTables.flatMap(\.routes).contains { $0.destinationCIDR == "10.231.0.0/16" && $0.vpcPeeringConnectionID == farPCX })
        let hubCIDR = try ec2.describeVpcs(ids: [world.net.vpc])[0].cidrBlocks[0]
        for (vpc, goes) in [
            (peered.vpc, { (r: RouteTable.Route) in r.vpcPeeringConnectionID == readyA.peeringConnectionID }), (attached.vpc, { $0.transitGatewayID == tgw }),
        ] {
            let tables = try ec2.describeRouteTables(filters: [EC2Filter("vpc-id", [vpc])])
            #expect(tables.allSatisfy { $0.routes.contains { $0.destinationCIDR == hubCIDR && goes($0) } })
        }
        let farTables = try farEC2.describeRouteTables(filters: [EC2Filter("vpc-id", [far.vpc])])
        #expect(!farTables.isEmpty && farTables.allSatisfy { $0.routes.contains { $0.destinationCIDR == hubCIDR && $0.vpcPeeringConnectionID == farPCX } })
        // The Agent configuration says where each zone answers: the hub and its spokes.
        let hubDetail = try #require(try world.store.get(hubID))
        let configuration = AgentConfiguration(
            setup: hubDetail.setup, site: world.catalog.site("us1")!, zones: try world.store.database.read { try ZoneRows.zones($0, setupID: hubID) },
            spokes: try world.store.spokes(of: hubID))
        #expect(
            configuration.zones.allSatisfy {
                Set($0.vpcs) == ["\(world.net.vpc)@us-east-1", "\(peered.vpc)@us-east-1", "\(attached.vpc)@us-east-1", "\(far.vpc)@eu-west-1"]
            })
        // Adding them made no endpoint call.
        let spokeJobs = try world.store.database.read { db in try [a.id, b.id, c.id].flatMap { try SpokeRows.jobs(db, spokeID: $0).map(\.id) } }
        let calls = try world.callLog.calls(setupID: hubID).filter { spokeJobs.contains($0.jobID ?? "") }
        #expect(!calls.isEmpty && !calls.contains { $0.action.contains("VpcEndpoint") })

        // Removing the peering spoke undoes its associations, routes and peering; the others stay.
        _ = try world.store.requestSpokeRemoval(a.id, actor: "test")
        world.provisioner.notify()
        #expect(try waitForSpoke(world, a.id, [.deleted, .failed]).status == .deleted)
        #expect(try route53.listHostedZonesByVPC(vpcID: peered.vpc, vpcRegion: "us-east-1").isEmpty)
        let afterTables = try ec2.describeRouteTables(filters: [EC2Filter("vpc-id", [world.net.vpc])])
        #expect(!afterTables.flatMap(\.routes).contains { $0.vpcPeeringConnectionID == readyA.peeringConnectionID })
        #expect(afterTables.flatMap(\.routes).contains { $0.transitGatewayID == tgw })
        #expect(afterTables.flatMap(\.routes).contains { $0.vpcPeeringConnectionID == farPCX })
        #expect(Set(zones).isSubset(of: Set(try route53.listHostedZonesByVPC(vpcID: attached.vpc, vpcRegion: "us-east-1").map(\.id))))
        #expect(Set(zones).isSubset(of: Set(try route53.listHostedZonesByVPC(vpcID: far.vpc, vpcRegion: "eu-west-1").map(\.id))))

        // The hub's teardown removes the remaining spokes first, then zones and endpoints.
        _ = try world.store.requestTeardown(hubID, deleteAdopted: false, actor: "test")
        world.provisioner.notify()
        let after = try settle(world, hubID, timeout: 30, statuses: [.deleted, .failed])
        #expect(after.setup.status == .deleted, "\(after.setup.errorMessage ?? "")")
        #expect(try world.store.spoke(b.id)?.status == .deleted && world.store.spoke(c.id)?.status == .deleted)
        #expect(try route53.listHostedZonesByVPC(vpcID: far.vpc, vpcRegion: "eu-west-1").isEmpty)
        #expect(try farEC2.describeVpcPeeringConnections(ids: [farPCX]).allSatisfy { $0.status == "deleted" })
        #expect(try route53.listHostedZonesByVPC(vpcID: attached.vpc, vpcRegion: "us-east-1").isEmpty)
        #expect(!(try ec2.describeRouteTables(filters: [EC2Filter("vpc-id", [world.net.vpc])])).flatMap(\.routes).contains { $0.transitGatewayID == tgw })
        #expect(try endpointsInVPC(world).isEmpty)
    }

    @Test func anOverlappingVPCAMissingAttachmentAndAClosedSecurityGroupAreRefusedInPreflightWithNothingAssociated() throws {
        let world = try Self.world(rules: .init(pendingPolls: 1))
        world.provisioner.start()
        defer { world.provisioner.stop() }
        let (hubID, zoneKeys) = try readyHub(world)
        let hubCIDR = try world.fixture.ec2().describeVpcs(ids: [world.net.vpc])[0].cidrBlocks[0]
        let overlapping = try MotoFixture(region: "us-east-1").network(cidr: hubCIDR)
        let unattached = try agentsVPC(world)
        let tgw = try #require(try world.fixture.raw("CreateTransitGateway", []).text("transitGateway", "transitGatewayId"))
        let c = try world.store.requestSpoke(
            hubID: hubID, request: try spokeRequest(world, hub: hubID, vpc: overlapping.vpc, transport: "peering"), zoneKeys: zoneKeys, actor: "test")
        let d = try world.store.requestSpoke(
            hubID: hubID, request: try spokeRequest(world, hub: hubID, vpc: unattached.vpc, transport: "transit_gateway", tgw: tgw), zoneKeys: zoneKeys,
            actor: "test")
        // Outside 10/8: the hub's security group does not admit it.
        let outside = try MotoFixture(region: "us-east-1").network(cidr: "172.\(Int.random(in: 16...31)).0.0/16")
        let e = try world.store.requestSpoke(
            hubID: hubID, request: try spokeRequest(world, hub: hubID, vpc: outside.vpc, transport: "peering"), zoneKeys: zoneKeys, actor: "test")
        world.provisioner.notify()
        let failedC = try waitForSpoke(world, c.id, [.ready, .failed])
        let failedD = try waitForSpoke(world, d.id, [.ready, .failed])
        let failedE = try waitForSpoke(world, e.id, [.ready, .failed])
        #expect(failedE.status == .failed && failedE.errorCode == "security_group_blocks_443", "\(failedE.errorMessage ?? "")")
        #expect(failedE.errorMessage?.contains(world.net.securityGroup) == true && failedE.peeringConnectionID == nil)
        #expect(failedC.status == .failed && failedC.errorCode == "cidr_overlap")
        #expect(failedC.errorMessage?.contains(world.net.vpc) == true && failedC.errorMessage?.contains(overlapping.vpc) == true)
        #expect(failedD.status == .failed && failedD.errorCode == "tgw_attachment_missing" && failedD.errorMessage?.contains(world.net.vpc) == true)
        let route53 = Route53Client(client: world.fixture.aws)
        for vpc in [overlapping.vpc, unattached.vpc, outside.vpc] {
            #expect(try route53.listHostedZonesByVPC(vpcID: vpc, vpcRegion: "us-east-1").isEmpty)
        }
        #expect(failedC.associatedZones.isEmpty && failedC.routesAdded.isEmpty && failedD.routesAdded.isEmpty)
    }
}

/// Route53 allows five requests a second per account: a ten-service hub and five spokes added at
/// once, through a proxy that throttles beyond that as AWS does, draw no throttling.
extension ProvisioningTests {
    @Test func tenServicesAndFiveSpokesAtOnceStayUnderRoute53sFivePerSecond() throws {
        var rules = AWSFaultProxy.Rules(pendingPolls: 1)
        rules.route53PerSecond = 5
        let world = try Self.world(rules: rules, services: Catalog.serviceIDs)
        world.provisioner.start()
        defer { world.provisioner.stop() }
        try world.fixture.admit("10.0.0.0/8", to: world.net.securityGroup)
        let request = try self.request(world, mode: "hub", services: Catalog.serviceIDs)
        let hubID = try submit(world, request)
        let hub = try settle(world, hubID, timeout: 90)
        try #require(hub.setup.status == .ready, "\(hub.setup.errorCode ?? "") \(hub.setup.errorMessage ?? "")")
        let zoneKeys = Plan(request: request, site: world.catalog.site("us1")!).endpoints.map(\.key)
        #expect(zoneKeys.count == 10)

        let taken = try world.fixture.ec2().describeVpcs(ids: [world.net.vpc])[0].cidrBlocks[0]
        let octets = (100...120).filter { !taken.hasPrefix("10.\($0).") }.prefix(5)
        let vpcs = try octets.map { try MotoFixture(region: "us-east-1").network(cidr: "10.\($0).0.0/16").vpc }
        let callsBefore = world.proxy.route53Calls.withLock { $0 }
        let started = Date()
        let spokes = try vpcs.map {
            try world.store.requestSpoke(
                hubID: hubID, request: try spokeRequest(world, hub: hubID, vpc: $0, transport: "peering"), zoneKeys: zoneKeys, actor: "test")
        }
        world.provisioner.notify()
        for spoke in spokes {
            let done = try waitForSpoke(world, spoke.id, [.ready, .failed], timeout: 120)
            #expect(done.status == .ready, "\(done.errorCode ?? "") \(done.errorMessage ?? "")")
            #expect(Set(done.associatedZones).count == 10)
        }
        let seconds = Date().timeIntervalSince(started)
        let calls = world.proxy.route53Calls.withLock { $0 } - callsBefore
        #expect(calls >= 5 * 10)  // an association per zone and spoke, at least
        #expect(world.proxy.route53Throttled.withLock { $0 } == 0)
        // A figure, not asserted: the time against the bound the bucket sets (burst of 5, then 5 a second).
        print(
            "route53 pacing: \(calls) calls for 5 spokes × 10 zones in \(String(format: "%.1f", seconds)) s; bound \(String(format: "%.1f", Double(max(0, calls - 5)) / 5)) s; 0 throttled"
        )
    }
}
