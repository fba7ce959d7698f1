import Foundation
import Logging
import Testing
@testable import Core

/// Provisioning against moto: the VPC-peering mode, and AWS faults (throttling, 5xx, resets).
extension ProvisioningTests {
    @Test func peeringReachesReadyWithZonesRecordsPeeringRoutesAndAssociations() throws {
        let world = try Self.world(rules: .init(pendingPolls: 1))
        let agents = try agentsVPC(world)
        let (agentsRegion, agentsCIDR) = (agents.region, agents.cidr)
        let id = try submit(world, try peeringRequest(world, agents))
        world.provisioner.start()
        defer { world.provisioner.stop() }
        let detail = try settle(world, id)
        #expect(
            detail.setup.status == .ready,
            "\(detail.setup.errorCode ?? "") \(detail.setup.errorMessage ?? "") job: \(detail.jobs.map { "\($0.state) \($0.currentStep ?? "") attempts \($0.attempts) \($0.lastError ?? "")" })"
        )
        // Private DNS is off on peering endpoints; each has a zone with an alias to it, associated with the agents' VPC.
        let endpoints = try world.fixture.ec2().describeVpcEndpoints(ids: detail.endpoints.compactMap(\.vpcEndpointID))
        #expect(endpoints.count == 2 && endpoints.allSatisfy { !$0.privateDNSEnabled })
        let zones = try world.store.database.read { try ZoneRows.zones($0, setupID: id) }
        #expect(zones.count == 2 && zones.allSatisfy { $0.zoneID != nil && $0.recordUpserted })
        // The agents' VPC is the setup's spoke, made in the same request and ready with it.
        let peer = try #require(try world.store.database.read { try SpokeRows.setupPeer($0, setupID: id) })
        #expect(peer.status == .ready && peer.currentStep == nil && peer.vpcKey == "\(agents.vpc)@\(agentsRegion)" && peer.request.transport == .peering)
        #expect(Set(peer.associatedZones) == Set(zones.compactMap(\.zoneID)))
        #expect(try world.store.spokes(of: id).map(\.id) == [peer.id])
        let route53 = Route53Client(client: world.fixture.aws)
        let agentZones = try route53.listHostedZonesByVPC(vpcID: agents.vpc, vpcRegion: agentsRegion).map(\.id)
        #expect(Set(zones.compactMap(\.zoneID)).isSubset(of: Set(agentZones)))
        for zone in zones {
            let endpoint = try #require(detail.endpoints.first { $0.id == zone.endpointID })
            let records = try route53.listResourceRecordSets(zoneID: zone.zoneID!)
            #expect(records.contains { $0.type == "A" && $0.aliasDNSName?.hasPrefix(endpoint.dnsName ?? "?") == true })
        }
        // The peering connection is active and routes go both ways through it.
        let (pcx, created, routes) = (peer.peeringConnectionID, peer.peeringCreated, peer.routesAdded)
        #expect(created)
        let connection = try #require(try world.fixture.ec2().describeVpcPeeringConnections(ids: [pcx!]).first { $0.id == pcx! })
        #expect(connection.status == "active")
        #expect(routes.contains { $0.hasSuffix(agentsCIDR) } && routes.count >= 2)

        // Teardown removes every piece privatelinkd created.
        _ = try world.store.requestTeardown(id, deleteAdopted: false, actor: "test")
        world.provisioner.notify()
        let after = try settle(world, id, timeout: 30, statuses: [.deleted, .failed])
        #expect(after.setup.status == .deleted, "\(after.setup.errorMessage ?? "")")
        #expect(try world.store.spoke(peer.id)?.status == .deleted)
        #expect(try endpointsInVPC(world).isEmpty)
        #expect(try route53.listHostedZonesByVPC(vpcID: agents.vpc, vpcRegion: agentsRegion).isEmpty)
        #expect(try route53.listHostedZonesByVPC(vpcID: world.net.vpc, vpcRegion: "us-east-1").isEmpty)
        let peeringAfter = try world.fixture.ec2().describeVpcPeeringConnections(ids: [pcx!]).first { $0.id == pcx! }
        #expect(peeringAfter == nil || peeringAfter?.status == "deleted")
        let tablesAfter = try world.fixture.ec2().describeRouteTables(filters: [EC2Filter("vpc-id", [world.net.vpc])])
        #expect(!tablesAfter.flatMap(\.routes).contains { $0.vpcPeeringConnectionID == pcx })
    }

    @Test func throttling5xxAndResetsAreRetriedAndTheSetupStillBecomesReady() throws {
        var rules = AWSFaultProxy.Rules(pendingPolls: 1)
        rules.faults = [
            "CreateVpcEndpoint": [(503, "ServiceUnavailable"), (400, "RequestLimitExceeded")],
            "DescribeVpcEndpoints": [(0, "reset"), (500, "InternalError")],
            "DescribeSubnets": [(400, "RequestLimitExceeded")],
        ]
        let world = try Self.world(rules: rules)
        let id = try submit(world, try request(world))
        world.provisioner.start()
        defer { world.provisioner.stop() }
        let detail = try settle(world, id)
        #expect(detail.setup.status == .ready, "\(detail.setup.errorCode ?? "") \(detail.setup.errorMessage ?? "")")
        #expect(world.proxy.injected.withLock { $0.count } == 5)
        let calls = try world.callLog.calls(setupID: id)
        let retried = calls.filter { $0.attempt > 1 }
        #expect(retried.count >= 4)
        #expect(calls.contains { $0.action == "CreateVpcEndpoint" && $0.errorCode == "ServiceUnavailable" && $0.httpStatus == 503 })
        #expect(calls.contains { $0.action == "CreateVpcEndpoint" && $0.errorCode == "RequestLimitExceeded" })
        #expect(calls.contains { $0.errorCode == "ConnectionError" && $0.httpStatus == nil })
        // Still one endpoint per service: the retried creates carried the same ClientToken.
        #expect(try endpointsInVPC(world).count == 2)
    }
}
