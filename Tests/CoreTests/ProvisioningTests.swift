import Foundation
import Logging
import Testing
@testable import Core

/// Setups driven to their end by the real workers and poller, against moto through the fault
/// proxy (endpoints held pending, failures, ServiceRegion), with NLB-backed stand-ins for the
/// Datadog services and a catalog pointing at them.
@Suite struct ProvisioningTests {
    @Test func sameRegionReachesReadyWithBatchedPolling() throws {
        let world = try Self.world(rules: .init(pendingPolls: 3, pendingAcceptance: true))
        let id = try submit(world, try request(world))
        world.provisioner.start()
        defer { world.provisioner.stop() }
        let detail = try settle(world, id)
        #expect(detail.setup.status == .ready, "\(detail.setup.errorCode ?? "") \(detail.setup.errorMessage ?? "")")
        #expect(detail.endpoints.allSatisfy { $0.state == .available && $0.vpcEndpointID != nil && !$0.adopted })
        #expect(try endpointsInVPC(world).count == 2)

        let events = try #require(try world.store.events(id))
        #expect(events.filter { $0.entityType == "setup" }.map(\.toState) == ["pending", "provisioning", "waiting", "ready"])
        for endpoint in detail.endpoints {
            let path = events.filter { $0.entityID == endpoint.id }.map(\.toState)
            #expect(path.first == "requested" && path.contains("pendingAcceptance") && path.last == "available", "\(path)")
        }
        // One describe per tick covering every endpoint then waiting, never one call per endpoint:
        // a tick between the two creates sees one; once both exist, every describe covers both.
        let both = Set(detail.endpoints.compactMap(\.vpcEndpointID))
        let describes = world.proxy.describeCalls.withLock { $0 }.map(Set.init)
        #expect(describes.contains(both))
        #expect(describes.allSatisfy { $0.isSubset(of: both) })
        // One call per endpoint would alternate disjoint sets; batched ticks overlap one another.
        #expect(zip(describes, describes.dropFirst()).allSatisfy { !$0.isDisjoint(with: $1) })
        let creates = try world.callLog.calls(setupID: id).filter { $0.action == "CreateVpcEndpoint" }
        #expect(creates.count == 2)
    }

    @Test func crossRegionUsesTheSitesServiceRegionAndSecretsManagerStaysLocal() throws {
        let world = try Self.world(region: "eu-west-1", rules: .init(pendingPolls: 1))
        let id = try submit(world, try request(world, mode: "cross_region", region: "eu-west-1", extraServices: ["secretsmanager"]))
        world.provisioner.start()
        defer { world.provisioner.stop() }
        let detail = try settle(world, id)
        #expect(detail.setup.status == .ready, "\(detail.setup.errorCode ?? "") \(detail.setup.errorMessage ?? "")")
        #expect(detail.setup.serviceRegion == "us-east-1" && detail.setup.region == "eu-west-1")
        #expect(detail.setup.extraServices == ["secretsmanager"])
        #expect(try endpointsInVPC(world).count == 3)
        // Datadog's services across regions (ServiceRegion), AWS's own Secrets Manager in the region.
        let creates = world.proxy.creates.withLock { $0 }
        let secrets = try #require(creates.first { $0["ServiceName"] == "com.amazonaws.eu-west-1.secretsmanager" })
        #expect(secrets["ServiceRegion"] == nil && secrets["PrivateDnsEnabled"] == "true")
        #expect(creates.filter { $0["ServiceName"]?.hasPrefix("com.amazonaws.vpce.") == true }.map { $0["ServiceRegion"] } == ["us-east-1", "us-east-1"])
        let row = try #require(detail.endpoints.first { $0.services == ["secretsmanager"] })
        #expect(row.privateDNSName == "secretsmanager.eu-west-1.amazonaws.com" && row.state == .available)
    }

    @Test func aFailedEndpointFailsTheSetupWithAWSsReason() throws {
        var rules = AWSFaultProxy.Rules(pendingPolls: 1)
        let world0 = try Self.world(rules: rules, services: ["metrics"])
        rules.failures = [world0.catalog.site("us1")!.service("metrics")!.serviceName!: ("failed", "the service is not accepting connections")]
        world0.proxy.rules.withLock { $0 = rules }
        let id = try submit(world0, try request(world0, services: ["metrics"]))
        world0.provisioner.start()
        defer { world0.provisioner.stop() }
        let detail = try settle(world0, id)
        #expect(detail.setup.status == .failed)
        #expect(detail.setup.errorCode == "endpoint_failed")
        #expect(detail.setup.errorMessage?.contains("not accepting connections") == true)
    }

    @Test func anEndpointStillPendingAtTheTimeoutFailsWithTheGuidesAdvice() throws {
        let world = try Self.world(rules: .init(pendingPolls: .max), services: ["metrics"], endpointTimeout: 1)
        let id = try submit(world, try request(world, services: ["metrics"]))
        world.provisioner.start()
        defer { world.provisioner.stop() }
        let detail = try settle(world, id)
        #expect(detail.setup.status == .failed)
        #expect(detail.setup.errorCode == "endpoint_timeout")
        #expect(detail.setup.errorMessage?.contains("contact Datadog support") == true)
    }

    @Test func preflightFailureCreatesNothingAndNamesTheFix() throws {
        let world = try Self.world(services: ["metrics"], sgPort: 0)
        let id = try submit(world, try request(world, services: ["metrics"]))
        world.provisioner.start()
        defer { world.provisioner.stop() }
        let detail = try settle(world, id)
        #expect(detail.setup.status == .failed)
        #expect(detail.setup.errorCode == "security_group_blocks_443")
        #expect(detail.setup.errorMessage?.contains("authorize-security-group-ingress") == true)
        #expect(try endpointsInVPC(world).isEmpty)
    }

    @Test func existingEndpointsAreAdoptedOrRecognisedNeverDuplicated() throws {
        let world = try Self.world(rules: .init(pendingPolls: 0))
        let id = try submit(world, try request(world))
        let site = world.catalog.site("us1")!
        // Someone else's endpoint for metrics, and one this setup created before a crash (by tag).
        let foreign = try world.fixture.ec2().createVpcEndpoint(
            .init(
                vpcID: world.net.vpc, serviceName: site.service("metrics")!.serviceName!,
                subnetIDs: world.net.subnets, securityGroupIDs: [world.net.securityGroup], privateDNSEnabled: true))
        let earlier = try world.fixture.ec2().createVpcEndpoint(
            .init(
                vpcID: world.net.vpc, serviceName: site.service("api")!.serviceName!,
                subnetIDs: world.net.subnets, securityGroupIDs: [world.net.securityGroup], privateDNSEnabled: true,
                tags: [("privatelinkd:setup", id), ("privatelinkd:service", "api")]))
        world.provisioner.start()
        defer { world.provisioner.stop() }
        let detail = try settle(world, id)
        #expect(detail.setup.status == .ready, "\(detail.setup.errorMessage ?? "")")
        let metrics = try #require(detail.endpoints.first { $0.services == ["metrics"] })
        let api = try #require(detail.endpoints.first { $0.services == ["api"] })
        #expect(metrics.vpcEndpointID == foreign.id && metrics.adopted)
        #expect(api.vpcEndpointID == earlier.id && !api.adopted)
        #expect(try endpointsInVPC(world).count == 2)
        #expect(try world.callLog.calls(setupID: id).filter { $0.action == "CreateVpcEndpoint" }.isEmpty)
        let reasons = try #require(try world.store.events(id)).compactMap(\.reason)
        #expect(reasons.contains { $0.contains("adopted existing \(foreign.id)") })
    }

    @Test func teardownDeletesWhatItCreatedAndLeavesAdoptedEndpoints() throws {
        let world = try Self.world(rules: .init(pendingPolls: 1))
        let id = try submit(world, try request(world))
        let foreign = try world.fixture.ec2().createVpcEndpoint(
            .init(
                vpcID: world.net.vpc, serviceName: world.catalog.site("us1")!.service("metrics")!.serviceName!,
                subnetIDs: world.net.subnets, securityGroupIDs: [world.net.securityGroup], privateDNSEnabled: true))
        world.provisioner.start()
        defer { world.provisioner.stop() }
        #expect(try settle(world, id).setup.status == .ready)
        _ = try world.store.requestTeardown(id, deleteAdopted: false, actor: "test")
        #expect(throws: StateConflict.self) { try world.store.requestTeardown(id, deleteAdopted: false, actor: "test") }
        world.provisioner.notify()
        let deadline = Date().addingTimeInterval(30)
        var detail = try #require(try world.store.get(id))
        while detail.setup.status != .deleted && detail.setup.status != .failed && Date() < deadline {
            usleep(20_000)  // bounded wait for the workers
            detail = try #require(try world.store.get(id))
        }
        #expect(detail.setup.status == .deleted, "\(detail.setup.errorMessage ?? "")")
        let live = try endpointsInVPC(world)
        #expect(live.map(\.id) == [foreign.id])  // only the adopted endpoint is left
        #expect(detail.endpoints.first { $0.adopted }?.vpcEndpointID == foreign.id)
        #expect(detail.endpoints.filter { !$0.adopted }.allSatisfy { $0.state == .deleted })
    }

    @Test func retryRunsAFailedSetupAgainFromItsFailedStep() throws {
        let world = try Self.world(rules: .init(pendingPolls: 1), services: ["metrics"])
        let serviceName = world.catalog.site("us1")!.service("metrics")!.serviceName!
        world.proxy.rules.withLock { $0.failures = [serviceName: ("rejected", "rejected by the service owner")] }
        let id = try submit(world, try request(world, services: ["metrics"]))
        world.provisioner.start()
        defer { world.provisioner.stop() }
        let failed = try settle(world, id)
        #expect(failed.setup.status == .failed && failed.setup.errorCode == "endpoint_rejected")
        let firstID = try #require(failed.endpoints.first?.vpcEndpointID)
        world.proxy.rules.withLock { $0.failures = [:] }
        _ = try world.store.requestRetry(id, actor: "test")
        #expect(throws: StateConflict.self) { try world.store.requestRetry(id, actor: "test") }  // no longer failed
        world.provisioner.notify()
        let retried = try settle(world, id)
        #expect(retried.setup.status == .ready, "\(retried.setup.errorMessage ?? "")")
        let endpoint = try #require(retried.endpoints.first)
        #expect(endpoint.generation == 2 && endpoint.vpcEndpointID != firstID)
        #expect(endpoint.clientToken?.hasSuffix(".metrics.g2") == true)
        #expect(try endpointsInVPC(world).map(\.id) == [endpoint.vpcEndpointID!])  // the rejected one was deleted
    }

    @Test func driftIsReportedWithoutWritesWhenNothingChangedAndRepairedOnRequest() throws {
        let world = try Self.world(rules: .init(pendingPolls: 0))
        let id = try submit(world, try request(world))
        world.provisioner.start()
        defer { world.provisioner.stop() }
        let ready = try settle(world, id)
        #expect(ready.setup.status == .ready)
        let eventsBefore = try #require(try world.store.events(id)).count
        let revisionBefore = try world.store.revision(id)
        #expect(try world.provisioner.reconciler.reconcileOnce().isEmpty)
        #expect(try world.store.events(id)?.count == eventsBefore)  // nothing changed: no writes
        #expect(try world.store.revision(id) == revisionBefore)

        // Someone deletes the metrics endpoint outside privatelinkd.
        let metrics = try #require(ready.endpoints.first { $0.services == ["metrics"] })
        let api = try #require(ready.endpoints.first { $0.services == ["api"] })
        try world.fixture.ec2().deleteVpcEndpoints(ids: [metrics.vpcEndpointID!])
        #expect(try world.provisioner.reconciler.reconcileOnce() == [id])
        let degraded = try #require(try world.store.get(id))
        #expect(degraded.setup.status == .degraded)
        #expect(degraded.endpoints.first { $0.id == metrics.id }?.state == .deleted)
        #expect(try endpointsInVPC(world).count == 1)  // the reconciler recreates nothing by itself
        let drift = try #require(try world.store.events(id)).last { $0.entityType == "setup" }
        #expect(drift?.toState == "degraded" && drift?.actor == "reconciler" && drift?.reason?.contains(metrics.vpcEndpointID!) == true)

        _ = try world.store.requestRepair(id, actor: "test")
        world.provisioner.notify()
        let repaired = try settle(world, id)
        #expect(repaired.setup.status == .ready, "\(repaired.setup.errorMessage ?? "")")
        let newMetrics = try #require(repaired.endpoints.first { $0.id == metrics.id })
        #expect(newMetrics.generation == 2 && newMetrics.vpcEndpointID != metrics.vpcEndpointID)
        #expect(repaired.endpoints.first { $0.id == api.id }?.vpcEndpointID == api.vpcEndpointID)  // untouched
        #expect(try endpointsInVPC(world).count == 2)
    }

    /// The agents' VPC is in the same region here: moto 5.2.1 registers a cross-region peering with
    /// the accepter's region through a class-level set of weak references that concurrent requests
    /// race on, so a cross-region run is flaky on moto (PeerRegion's wire form is checked against
    /// botocore's serializer instead).
    /// An agents' VPC beside the world's, whose CIDR the endpoints' security group admits on 443.
    struct Agents {
        let vpc: String
        let region: String
        let cidr: String
        /// The route tables of both VPCs, for `peer.route_table_ids`.
        let tables: [String]
    }

    func agentsVPC(_ world: World) throws -> Agents {
        let region = "us-east-1"
        // A range apart from the world's: overlapping VPCs cannot peer (preflight's cidr_overlap).
        let taken = try world.fixture.ec2().describeVpcs(ids: [world.net.vpc]).first?.cidrBlocks.first ?? ""
        var octet = Int.random(in: 60...250)
        while taken.hasPrefix("10.\(octet).") { octet = Int.random(in: 60...250) }
        let agents = try MotoFixture(region: region).network(cidr: "10.\(octet).0.0/16")
        let cidr = try MotoFixture(region: region).ec2().describeVpcs(ids: [agents.vpc]).first!.cidrBlocks[0]
        try world.fixture.raw(
            "AuthorizeSecurityGroupIngress",
            [
                ("GroupId", world.net.securityGroup), ("IpPermissions.1.IpProtocol", "tcp"),
                ("IpPermissions.1.FromPort", "443"), ("IpPermissions.1.ToPort", "443"),
                ("IpPermissions.1.IpRanges.1.CidrIp", cidr),
            ])
        let tables =
            try world.fixture.ec2().describeRouteTables(filters: [EC2Filter("vpc-id", [world.net.vpc])]).map(\.id)
            + MotoFixture(region: region).ec2().describeRouteTables(filters: [EC2Filter("vpc-id", [agents.vpc])]).map(\.id)
        return Agents(vpc: agents.vpc, region: region, cidr: cidr, tables: tables)
    }

    /// `routeTables` nil: none named (privatelinkd chooses them, unless `manageRoutes` is false).
    func peeringRequest(
        _ world: World, _ agents: Agents, peeringConnectionID: String? = nil, routeTables: [String]? = nil, nameTables: Bool = true,
        manageRoutes: Bool? = nil
    ) throws -> SetupRequest {
        var peer: [(String, JSON)] = [("vpc_id", .string(agents.vpc)), ("region", .string(agents.region))]
        if nameTables { peer.append(("route_table_ids", .strings(routeTables ?? agents.tables))) }
        if let manageRoutes { peer.append(("manage_routes", .bool(manageRoutes))) }
        if let peeringConnectionID { peer.append(("peering_connection_id", .string(peeringConnectionID))) }
        return try SetupValidator(catalog: world.catalog).validate(
            .object([
                ("site", "us1"), ("mode", "vpc_peering"), ("region", "us-east-1"), ("vpc_id", .string(world.net.vpc)),
                ("subnet_ids", .strings(world.net.subnets)), ("security_group_ids", .strings([world.net.securityGroup])),
                ("services", ["metrics", "api"]), ("account_id", "123456789012"), ("peer", .object(peer)),
            ])
        ).get()
    }
}
