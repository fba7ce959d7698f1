import Foundation
import Testing
@testable import Core

/// A spoke's verification on moto: privatelinkd's own checks (DNS from a responder on loopback,
/// the prober a double, as in `VerificationJobTests`), read from the spoke's side as AWS describes
/// it: a route taken away, then a zone left, each fails the names it cuts off with the reason.
extension ProvisioningTests {
    func verified(_ world: World, hub: String, spoke: String, timeout: TimeInterval = 30) throws -> VerificationRecord {
        let run = try world.store.requestVerification(hub, actor: "test", spokeID: spoke)
        world.provisioner.notify()
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let done = try world.store.verification(run.id, setupID: hub), done.isFinished { return done }
            usleep(20_000)  // polling the database for the worker's result, bounded by the deadline
        }
        return try #require(try world.store.verification(run.id, setupID: hub))
    }

    @Test func aSpokesVerificationReadsTheWayFromItsVPC() throws {
        let dns = try FakeDNSServer([:])
        let world = try Self.world(
            rules: .init(pendingPolls: 1),
            verifier: Verifier(resolver: SystemDNSResolver(server: dns.server, timeout: 1), prober: VerificationJobTests.AcceptingProber()))
        world.provisioner.start()
        defer { world.provisioner.stop() }
        let (hubID, peered, spoke) = try hubWithPeeringSpoke(world)
        // Every name answers with its endpoint's own addresses, as the hub's zones make it.
        let ec2 = world.fixture.ec2()
        let site = try #require(world.catalog.site("us1"))
        for endpoint in try #require(try world.store.get(hubID)).endpoints {
            let interfaces = try ec2.describeVpcEndpoints(ids: [try #require(endpoint.vpcEndpointID)]).flatMap(\.networkInterfaceIDs)
            let ips = try ec2.describeNetworkInterfaces(ids: interfaces).flatMap(\.privateIPs)
            for name in endpoint.services.flatMap({ site.service($0)?.verificationNames ?? [] }) {
                dns.set(name, .records(ips.map { (name, 1, $0) }))
            }
        }
        world.provisioner.notify()
        let ready = try waitForSpoke(world, spoke.id, [.ready, .failed])
        try #require(ready.status == .ready, "\(ready.errorCode ?? "") \(ready.errorMessage ?? "")")
        let pcx = try #require(ready.peeringConnectionID)

        let whole = try verified(world, hub: hubID, spoke: spoke.id)
        let codes = { (run: VerificationRecord) in (run.checks ?? []).map { $0["code"]?.stringValue ?? "" } }
        #expect(whole.state == .passed && whole.spokeID == spoke.id, "\(codes(whole)) \(whole.note ?? "")")

        // The spoke's route to the hub taken away: every name is cut off, naming the table.
        let hubCIDR = try ec2.describeVpcs(ids: [world.net.vpc])[0].cidrBlocks[0]
        let table = try #require(try ec2.describeRouteTables(filters: [EC2Filter("vpc-id", [peered.vpc])]).first)
        try world.fixture.raw("DeleteRoute", [("RouteTableId", table.id), ("DestinationCidrBlock", hubCIDR)])
        let cut = try verified(world, hub: hubID, spoke: spoke.id)
        #expect(cut.state == .failed && codes(cut).allSatisfy { $0 == "spoke_route_missing" }, "\(codes(cut))")
        #expect((cut.checks ?? []).allSatisfy { $0["message"]?.stringValue?.contains(table.id) == true })

        // Route back; the spoke leaves the metrics zone: only metrics' name fails, with its zone.
        try ec2.createRoute(routeTableID: table.id, destinationCIDR: hubCIDR, through: .peering(pcx))
        let metricsZone = try #require(
            try world.store.database.read { try ZoneRows.zones($0, setupID: hubID) }.first { $0.name == "metrics.agent.datadoghq.com" }?.zoneID)
        try Route53Client(client: world.fixture.aws).disassociateVPC(zoneID: metricsZone, vpcID: peered.vpc, vpcRegion: "us-east-1")
        let partial = try verified(world, hub: hubID, spoke: spoke.id)
        let byName = Dictionary(uniqueKeysWithValues: (partial.checks ?? []).map { ($0["hostname"]?.stringValue ?? "", $0["code"]?.stringValue ?? "") })
        #expect(byName["metrics.agent.datadoghq.com"] == "spoke_zone_not_associated", "\(byName)")
        #expect(byName.filter { $0.key != "metrics.agent.datadoghq.com" }.values.allSatisfy { $0 == "ok" }, "\(byName)")
        #expect(partial.state == .failed)
    }
}
