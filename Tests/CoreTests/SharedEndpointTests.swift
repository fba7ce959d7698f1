import Foundation
import Testing
@testable import Core

/// Endpoints shared by reference between setups on one VPC (issue: a teardown deleted an
/// endpoint another setup had adopted, and that setup kept reporting `ready`).
extension ProvisioningTests {
    func tearDown(_ world: World, _ id: String, deleteAdopted: Bool = false) throws -> SetupDetail {
        _ = try world.store.requestTeardown(id, deleteAdopted: deleteAdopted, actor: "test")
        world.provisioner.notify()
        let detail = try settle(world, id, timeout: 30, statuses: [.deleted, .failed])
        #expect(detail.setup.status == .deleted, "\(detail.setup.errorMessage ?? "")")
        return detail
    }

    func reasons(_ world: World, _ id: String) throws -> [String] {
        try #require(try world.store.events(id)).compactMap(\.reason)
    }

    @Test(arguments: ["creator first", "adopter first"])
    func anEndpointAnotherSetupAdoptedOutlivesEitherTeardownUntilTheLast(order: String) throws {
        let world = try Self.world(rules: .init(pendingPolls: 0), services: ["metrics"])
        world.provisioner.start()
        defer { world.provisioner.stop() }
        let creator = try submit(world, try request(world, services: ["metrics"]))
        let created = try settle(world, creator)
        #expect(created.setup.status == .ready)
        let vpce = try #require(created.endpoints.first?.vpcEndpointID)
        let adopter = try submit(world, try request(world, services: ["metrics"]))
        let adopted = try settle(world, adopter)
        #expect(adopted.setup.status == .ready)
        let row = try #require(adopted.endpoints.first)
        #expect(row.vpcEndpointID == vpce && row.adopted && row.createdBy == creator)

        let (first, second) = order == "creator first" ? (creator, adopter) : (adopter, creator)
        _ = try tearDown(world, first)
        #expect(try endpointsInVPC(world).map(\.id) == [vpce])  // still there for the other setup
        #expect(try reasons(world, first).contains("kept \(vpce): still used by \(second)"))
        #expect(try world.provisioner.reconciler.reconcileOnce().isEmpty)  // no drift for the one left
        #expect(try world.store.get(second)?.setup.status == .ready)

        // The last user deletes what privatelinkd created, whoever created it.
        let last = try tearDown(world, second)
        #expect(try endpointsInVPC(world).isEmpty)
        #expect(last.endpoints.first?.state == .deleted)
        #expect(
            try reasons(world, second).contains { $0.hasPrefix("DeleteVpcEndpoints \(vpce): no other setup uses it (created by privatelinkd for \(creator))") })
    }

    @Test func anEndpointThatExistedBeforeStaysUntilItsLastUserAsks() throws {
        let world = try Self.world(rules: .init(pendingPolls: 0), services: ["metrics"])
        let foreign = try world.fixture.ec2().createVpcEndpoint(
            .init(
                vpcID: world.net.vpc, serviceName: world.catalog.site("us1")!.service("metrics")!.serviceName!,
                subnetIDs: world.net.subnets, securityGroupIDs: [world.net.securityGroup], privateDNSEnabled: true))
        world.provisioner.start()
        defer { world.provisioner.stop() }
        var ids: [String] = []
        for _ in 0..<3 {
            let id = try submit(world, try request(world, services: ["metrics"]))
            let detail = try settle(world, id)
            #expect(detail.setup.status == .ready)
            #expect(detail.endpoints.first?.vpcEndpointID == foreign.id && detail.endpoints.first?.createdBy == nil)
            ids.append(id)
        }
        // Asked to delete adopted endpoints, but others still use it.
        _ = try tearDown(world, ids[0], deleteAdopted: true)
        #expect(try endpointsInVPC(world).map(\.id) == [foreign.id])
        #expect(try reasons(world, ids[0]).contains { $0.hasPrefix("kept \(foreign.id): still used by \(ids[1]), \(ids[2])") })
        // Not asked: it stays although only one user is left after this.
        _ = try tearDown(world, ids[1])
        #expect(try endpointsInVPC(world).map(\.id) == [foreign.id])
        #expect(try reasons(world, ids[1]).contains { $0.hasPrefix("kept \(foreign.id): still used by \(ids[2])") })
        // The last user asks.
        _ = try tearDown(world, ids[2], deleteAdopted: true)
        #expect(try endpointsInVPC(world).isEmpty)
    }

    @Test func aSharedEndpointThatDisappearsDegradesEverySetupUsingItAndReconcileRepairsThem() throws {
        let world = try Self.world(rules: .init(pendingPolls: 0), services: ["metrics"])
        world.provisioner.start()
        defer { world.provisioner.stop() }
        let a = try submit(world, try request(world, services: ["metrics"]))
        let vpce = try #require(try settle(world, a).endpoints.first?.vpcEndpointID)
        let b = try submit(world, try request(world, services: ["metrics"]))
        #expect(try settle(world, b).setup.status == .ready)

        try world.fixture.ec2().deleteVpcEndpoints(ids: [vpce])  // outside privatelinkd
        #expect(try world.provisioner.reconciler.reconcileOnce().sorted() == [a, b].sorted())
        #expect(try world.store.get(a)?.setup.status == .degraded)
        #expect(try world.store.get(b)?.setup.status == .degraded)

        for id in [a, b] {
            _ = try world.store.requestRepair(id, actor: "test")
            world.provisioner.notify()
            let repaired = try settle(world, id)
            #expect(repaired.setup.status == .ready, "\(repaired.setup.errorMessage ?? "")")
        }
        // The first repaired made a new endpoint; the second adopted it rather than make a second.
        let live = try endpointsInVPC(world)
        #expect(live.count == 1)
        let rowB = try #require(try world.store.get(b)?.endpoints.first)
        #expect(rowB.vpcEndpointID == live.first?.id && rowB.adopted && rowB.createdBy == a)
    }

    /// A teardown that has marked an endpoint `deleting` keeps it from being adopted meanwhile.
    @Test func anEndpointBeingDeletedIsNotAdopted() throws {
        let (database, _) = try makeTestDatabase()
        let store = SetupStore(database: database)
        let catalog = try Catalog.bundled()
        let request = try SetupValidator(catalog: catalog).validate(
            .object([
                ("site", "us1"), ("mode", "same_region"), ("region", "us-east-1"), ("vpc_id", "vpc-0123456789abcdef0"),
                ("subnet_ids", .strings(["subnet-0123456789abcdef0"])), ("security_group_ids", .strings(["sg-0123456789abcdef0"])),
                ("services", .strings(["metrics"])),
            ])
        ).get()
        let plan = Plan(request: request, site: catalog.site("us1")!)
        guard case let .created(detail, _, _) = try store.create(request: request, plan: plan, idempotency: nil, actor: "test", render: { _ in (202, []) })
        else { throw StepFailure("test", "not created") }
        let endpoint = VpcEndpoint(try XMLTree.parse(Data("<item><vpcEndpointId>vpce-0123456789abcdef0</vpcEndpointId><state>available</state></item>".utf8)))
        try database.write { db in
            let now = Timestamp.string(Date())
            try EndpointRows.recordAWSEndpoint(
                db, row: detail.endpoints[0], endpoint: endpoint, adopted: false, createdBy: detail.setup.id,
                actor: "test", reason: "created", now: now)
            #expect(try EndpointRows.beingDeletedBy(db, vpcEndpointID: endpoint.id) == nil)
            #expect(try EndpointRows.otherUsers(db, vpcEndpointID: endpoint.id, excluding: "su_other") == [detail.setup.id])
        }
        _ = try store.requestTeardown(detail.setup.id, deleteAdopted: false, actor: "test")
        try database.write { db in
            try EndpointRows.updateState(
                db, endpointID: detail.endpoints[0].id, to: .deleting, lastError: nil, actor: "test", reason: "deleting", now: Timestamp.string(Date()))
            #expect(try EndpointRows.beingDeletedBy(db, vpcEndpointID: endpoint.id) == detail.setup.id)
            #expect(try EndpointRows.otherUsers(db, vpcEndpointID: endpoint.id, excluding: "su_other").isEmpty)  // a setup being torn down is no user
        }
    }

    /// Two peering setups between the same VPCs: the second adopts the first's endpoints and zones
    /// and names its peering connection. Deleting the first leaves all of it to the second; the
    /// second's teardown removes what privatelinkd created.
    @Test func zonesAndAPeeringConnectionSharedByTwoSetupsOutliveTheFirstTeardown() throws {
        let world = try Self.world(rules: .init(pendingPolls: 0))
        let agents = try agentsVPC(world)
        world.provisioner.start()
        defer { world.provisioner.stop() }
        let first = try submit(world, try peeringRequest(world, agents))
        #expect(try settle(world, first).setup.status == .ready)
        let pcxID = try #require(try world.store.database.read { try SpokeRows.setupPeer($0, setupID: first) }?.peeringConnectionID)
        let second = try submit(world, try peeringRequest(world, agents, peeringConnectionID: pcxID))
        let secondReady = try settle(world, second)
        let history = try reasons(world, second).suffix(4)
        #expect(secondReady.setup.status == .ready, "\(secondReady.setup.errorCode ?? "") \(secondReady.setup.errorMessage ?? "") \(history)")
        let zones = try world.store.database.read { try ZoneRows.zones($0, setupID: second) }
        #expect(zones.count == 2 && zones.allSatisfy(\.adopted))
        let route53 = Route53Client(client: world.fixture.aws)
        let agentZones = Set(try route53.listHostedZonesByVPC(vpcID: agents.vpc, vpcRegion: agents.region).map(\.id))
        #expect(Set(zones.compactMap(\.zoneID)).isSubset(of: agentZones))

        _ = try tearDown(world, first)
        // Everything the second setup relies on is still there.
        #expect(try endpointsInVPC(world).count == 2)
        #expect(Set(try route53.listHostedZonesByVPC(vpcID: agents.vpc, vpcRegion: agents.region).map(\.id)) == agentZones)
        for zone in zones {
            #expect(try route53.listResourceRecordSets(zoneID: zone.zoneID!).contains { $0.type == "A" })
        }
        #expect(try world.fixture.ec2().describeVpcPeeringConnections(ids: [pcxID]).first { $0.id == pcxID }?.status == "active")
        let routes = try world.fixture.ec2().describeRouteTables(filters: [EC2Filter("vpc-id", [world.net.vpc])]).flatMap(\.routes)
        #expect(routes.contains { $0.vpcPeeringConnectionID == pcxID })

        _ = try tearDown(world, second)
        #expect(try endpointsInVPC(world).isEmpty)
        #expect(try route53.listHostedZonesByVPC(vpcID: agents.vpc, vpcRegion: agents.region).isEmpty)
        #expect(try route53.listHostedZonesByVPC(vpcID: world.net.vpc, vpcRegion: "us-east-1").isEmpty)
        let peeringAfter = try world.fixture.ec2().describeVpcPeeringConnections(ids: [pcxID]).first { $0.id == pcxID }
        #expect(peeringAfter == nil || peeringAfter?.status == "deleted")
        let routesAfter = try world.fixture.ec2().describeRouteTables(filters: [EC2Filter("vpc-id", [world.net.vpc])]).flatMap(\.routes)
        #expect(!routesAfter.contains { $0.vpcPeeringConnectionID == pcxID })
    }
}
