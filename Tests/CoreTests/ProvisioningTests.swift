import Foundation
import Logging
import Testing
@testable import Core

/// Setups driven to their end by the real workers and poller, against moto through the fault
/// proxy (endpoints held pending, failures, ServiceRegion), with NLB-backed stand-ins for the
/// Datadog services and a catalog pointing at them.
@Suite struct ProvisioningTests {
    struct World {
        let fixture: MotoFixture
        let proxy: AWSFaultProxy
        let store: SetupStore
        let provisioner: Provisioner
        let catalog: Catalog
        let net: (vpc: String, subnets: [String], securityGroup: String)
        let callLog: AWSCallLog
    }

    /// Stand-in endpoint services in us-east-1 for the given catalog services, on an NLB in the
    /// subnets' zones; returns a us1 catalog whose service names point at them.
    static func standIns(_ moto: MotoServer, services: [String], subnets: [String]) throws -> Catalog {
        let names = try boto3(moto, """
            elb = session.client("elbv2", endpoint_url="\(moto.url.absoluteString)")
            names = {}
            for key, dns in [\(services.map { "(\"\($0)\", \"\($0).stand-in.datadoghq.com\")" }.joined(separator: ", "))]:
                lb = elb.create_load_balancer(Name=("%s-%s" % (key, "\(UUID().uuidString.prefix(8))"))[:32].replace("_", "-"),
                                              Subnets=\(subnets), Type="network")["LoadBalancers"][0]["LoadBalancerArn"]
                svc = ec2.create_vpc_endpoint_service_configuration(NetworkLoadBalancerArns=[lb], AcceptanceRequired=False, PrivateDnsName=dns)
                names[key] = svc["ServiceConfiguration"]["ServiceName"]
            print(json.dumps(names))
            """)
        var text = String(decoding: try Data(contentsOf: Catalog.bundledURL!), as: UTF8.self)
        let bundled = try Catalog.bundled()
        for key in services {
            let old = bundled.site("us1")!.service(key)!.serviceName!
            text = text.replacingOccurrences(of: old, with: names[key]!.stringValue!)
        }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("catalog-\(UUID().uuidString).json")
        try Data(text.utf8).write(to: url)
        return try Catalog.load(from: url)
    }

    static func world(region: String = "us-east-1", rules: AWSFaultProxy.Rules = .init(), services: [String] = ["metrics", "api"],
                      endpointTimeout: TimeInterval = 30, sgPort: Int = 443, verifier: Verifier? = nil) throws -> World {
        let fixture = try MotoFixture(region: region)
        let cidr = "10.\(Int.random(in: 60...250)).0.0/16"
        var net = try fixture.network(cidr: cidr)
        if sgPort != 443 {
            let group = try fixture.raw("CreateSecurityGroup", [("GroupName", "closed-\(UUID().uuidString.prefix(8))"), ("GroupDescription", "no 443"), ("VpcId", net.vpc)]).text("groupId")!
            net.securityGroup = group
        }
        // The services live in us-east-1 (the site's region); for cross-region the setup is elsewhere.
        let serviceSubnets: [String]
        if region == "us-east-1" { serviceSubnets = net.subnets } else {
            serviceSubnets = try MotoFixture(region: "us-east-1").network(cidr: "10.\(Int.random(in: 60...250)).0.0/16").subnets
        }
        let catalog = try standIns(fixture.moto, services: services, subnets: serviceSubnets)
        let proxy = try AWSFaultProxy(moto: fixture.moto, rules: rules)
        let (database, _) = try makeTestDatabase()
        let store = SetupStore(database: database)
        let callLog = AWSCallLog(database: database)
        let client = AWSClient(environment: AWSEnvironment(variables: ["AWS_ENDPOINT_URL": proxy.url]),
                               credentials: StaticCredentialProvider(MotoServer.credentials), recorder: callLog, sleep: { _ in })
        var configuration = ProvisioningConfiguration()
        configuration.pollInterval = 0.1
        configuration.maxPollInterval = 0.4
        configuration.endpointTimeout = endpointTimeout
        configuration.lease = 10
        var logger = Logger(label: "test")
        logger.logLevel = .error
        let access = AWSAccess(client: client, stsRegion: "us-east-1")
        let verification = verifier.map {
            VerificationJobRunner(store: store, aws: access, catalog: catalog, verifier: $0, settings: VerificationSettings(), logger: logger)
        }
        let provisioner = Provisioner(store: store, aws: access, configuration: configuration, logger: logger, verification: verification)
        return World(fixture: fixture, proxy: proxy, store: store, provisioner: provisioner, catalog: catalog, net: net, callLog: callLog)
    }

    func request(_ world: World, mode: String = "same_region", region: String = "us-east-1", services: [String] = ["metrics", "api"],
                 extraServices: [String] = []) throws -> SetupRequest {
        try SetupValidator(catalog: world.catalog).validate(.object([
            ("site", "us1"), ("mode", .string(mode)), ("region", .string(region)), ("vpc_id", .string(world.net.vpc)),
            ("subnet_ids", .strings(world.net.subnets)), ("security_group_ids", .strings([world.net.securityGroup])),
            ("services", .strings(services)), ("account_id", "123456789012"), ("extra_services", .strings(extraServices)),
        ])).get()
    }

    func submit(_ world: World, _ request: SetupRequest) throws -> String {
        let plan = Plan(request: request, site: world.catalog.site("us1")!)
        guard case let .created(detail, _, _) = try world.store.create(request: request, plan: plan, idempotency: nil, actor: "test", render: { _ in (202, []) })
        else { throw StepFailure("test", "not created") }
        return detail.setup.id
    }

    /// Waits (bounded) until the setup reaches one of `statuses`; the workers run on their own threads.
    func settle(_ world: World, _ id: String, timeout: TimeInterval = 60, statuses: Set<SetupStatus> = [.ready, .failed]) throws -> SetupDetail {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let detail = try world.store.get(id), statuses.contains(detail.setup.status) { return detail }
            usleep(20_000)  // polling the database for the workers' result, bounded by the deadline
        }
        return try #require(try world.store.get(id))
    }

    func endpointsInVPC(_ world: World) throws -> [VpcEndpoint] {
        try world.fixture.ec2().describeVpcEndpoints(filters: [EC2Filter("vpc-id", [world.net.vpc])]).filter { $0.state != .deleted }
    }

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
        let foreign = try world.fixture.ec2().createVpcEndpoint(.init(vpcID: world.net.vpc, serviceName: site.service("metrics")!.serviceName!,
                                                                     subnetIDs: world.net.subnets, securityGroupIDs: [world.net.securityGroup], privateDNSEnabled: true))
        let earlier = try world.fixture.ec2().createVpcEndpoint(.init(vpcID: world.net.vpc, serviceName: site.service("api")!.serviceName!,
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
        let foreign = try world.fixture.ec2().createVpcEndpoint(.init(
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
        let agents = try MotoFixture(region: region).network(cidr: "10.\(Int.random(in: 60...250)).0.0/16")
        let cidr = try MotoFixture(region: region).ec2().describeVpcs(ids: [agents.vpc]).first!.cidrBlocks[0]
        try world.fixture.raw("AuthorizeSecurityGroupIngress", [("GroupId", world.net.securityGroup), ("IpPermissions.1.IpProtocol", "tcp"),
                                                               ("IpPermissions.1.FromPort", "443"), ("IpPermissions.1.ToPort", "443"),
                                                               ("IpPermissions.1.IpRanges.1.CidrIp", cidr)])
        let tables = try world.fixture.ec2().describeRouteTables(filters: [EC2Filter("vpc-id", [world.net.vpc])]).map(\.id)
            + MotoFixture(region: region).ec2().describeRouteTables(filters: [EC2Filter("vpc-id", [agents.vpc])]).map(\.id)
        return Agents(vpc: agents.vpc, region: region, cidr: cidr, tables: tables)
    }

    func peeringRequest(_ world: World, _ agents: Agents, peeringConnectionID: String? = nil) throws -> SetupRequest {
        var peer: [(String, JSON)] = [("vpc_id", .string(agents.vpc)), ("region", .string(agents.region)), ("route_table_ids", .strings(agents.tables))]
        if let peeringConnectionID { peer.append(("peering_connection_id", .string(peeringConnectionID))) }
        return try SetupValidator(catalog: world.catalog).validate(.object([
            ("site", "us1"), ("mode", "vpc_peering"), ("region", "us-east-1"), ("vpc_id", .string(world.net.vpc)),
            ("subnet_ids", .strings(world.net.subnets)), ("security_group_ids", .strings([world.net.securityGroup])),
            ("services", ["metrics", "api"]), ("account_id", "123456789012"), ("peer", .object(peer)),
        ])).get()
    }

    @Test func peeringReachesReadyWithZonesRecordsPeeringRoutesAndAssociations() throws {
        let world = try Self.world(rules: .init(pendingPolls: 1))
        let agents = try agentsVPC(world)
        let (agentsRegion, agentsCIDR) = (agents.region, agents.cidr)
        let id = try submit(world, try peeringRequest(world, agents))
        world.provisioner.start()
        defer { world.provisioner.stop() }
        let detail = try settle(world, id)
        #expect(detail.setup.status == .ready, "\(detail.setup.errorCode ?? "") \(detail.setup.errorMessage ?? "") job: \(detail.jobs.map { "\($0.state) \($0.currentStep ?? "") attempts \($0.attempts) \($0.lastError ?? "")" })")
        // Private DNS is off on peering endpoints; each has a zone with an alias to it, associated with the agents' VPC.
        let endpoints = try world.fixture.ec2().describeVpcEndpoints(ids: detail.endpoints.compactMap(\.vpcEndpointID))
        #expect(endpoints.count == 2 && endpoints.allSatisfy { !$0.privateDNSEnabled })
        let zones = try world.store.database.read { try PeeringRows.zones($0, setupID: id) }
        #expect(zones.count == 2 && zones.allSatisfy { $0.zoneID != nil && $0.recordUpserted && $0.associatedVPCs == ["\(agents.vpc)@\(agentsRegion)"] })
        let route53 = Route53Client(client: world.fixture.aws)
        let agentZones = try route53.listHostedZonesByVPC(vpcID: agents.vpc, vpcRegion: agentsRegion).map(\.id)
        #expect(Set(zones.compactMap(\.zoneID)).isSubset(of: Set(agentZones)))
        for zone in zones {
            let endpoint = try #require(detail.endpoints.first { $0.id == zone.endpointID })
            let records = try route53.listResourceRecordSets(zoneID: zone.zoneID!)
            #expect(records.contains { $0.type == "A" && $0.aliasDNSName?.hasPrefix(endpoint.dnsName ?? "?") == true })
        }
        // The peering connection is active and routes go both ways through it.
        let (pcx, created, routes) = try world.store.database.read { try PeeringRows.peering($0, setupID: id) }
        #expect(created)
        let connection = try #require(try world.fixture.ec2().describeVpcPeeringConnections(ids: [pcx!]).first { $0.id == pcx! })
        #expect(connection.status == "active")
        #expect(routes.contains { $0.hasSuffix(agentsCIDR) } && routes.count >= 2)

        // Teardown removes every piece privatelinkd created.
        _ = try world.store.requestTeardown(id, deleteAdopted: false, actor: "test")
        world.provisioner.notify()
        let deadline = Date().addingTimeInterval(30)
        var after = try #require(try world.store.get(id))
        while ![.deleted, .failed].contains(after.setup.status) && Date() < deadline {
            usleep(20_000)  // bounded wait for the workers
            after = try #require(try world.store.get(id))
        }
        #expect(after.setup.status == .deleted, "\(after.setup.errorMessage ?? "")")
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
