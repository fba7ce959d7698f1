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
        let zones = try world.store.database.read { try PeeringRows.zones($0, setupID: id) }
        #expect(zones.count == 2 && zones.allSatisfy { $0.zoneID != nil && $0.recordUpserted && $0.associatedVPCs.isEmpty })
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
        #expect(after.jobs.last?.steps == ["delete_zones", "delete_endpoints", "wait_deleted"])
        #expect(try endpointsInVPC(world).isEmpty)
        #expect(try route53.listHostedZonesByVPC(vpcID: world.net.vpc, vpcRegion: "us-east-1").isEmpty)
    }
}
