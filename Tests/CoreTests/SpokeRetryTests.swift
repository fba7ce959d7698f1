import Foundation
import Testing
@testable import Core

/// A spoke retried after its peering died (never accepted, then rejected) makes a new one rather
/// than failing at the dead one's acceptance for ever.
extension ProvisioningTests {
    @Test func aSpokeRetriedAfterItsPeeringWasRejectedMakesANewOne() throws {
        var rules = AWSFaultProxy.Rules(pendingPolls: 1)
        rules.faults["AcceptVpcPeeringConnection"] = [(400, "UnauthorizedOperation")]
        let world = try Self.world(rules: rules)
        world.provisioner.start()
        defer { world.provisioner.stop(timeout: 10) }
        let spoke = try hubWithPeeringSpoke(world).spoke
        world.provisioner.notify()
        let failed = try waitForSpoke(world, spoke.id, [.ready, .failed])
        try #require(failed.status == .failed && failed.currentStep == "accept_peering", "\(failed.errorCode ?? "") \(failed.errorMessage ?? "")")
        let first = try #require(failed.peeringConnectionID)
        let ec2 = world.fixture.ec2()
        _ = try world.fixture.raw("RejectVpcPeeringConnection", [("VpcPeeringConnectionId", first)])
        #expect(try ec2.describeVpcPeeringConnections(ids: [first]).first?.status == "rejected")

        _ = try world.store.requestSpokeRetry(spoke.id, actor: "test")
        world.provisioner.notify()
        let ready = try waitForSpoke(world, spoke.id, [.ready, .failed])
        #expect(ready.status == .ready, "\(ready.errorCode ?? "") \(ready.errorMessage ?? "")")
        let second = try #require(ready.peeringConnectionID)
        #expect(second != first && ready.peeringCreated)
        #expect(try ec2.describeVpcPeeringConnections(ids: [second]).first?.status == "active")
    }
}
