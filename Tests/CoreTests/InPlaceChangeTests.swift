import Foundation
import HTTPTypes
import Logging
import Testing
@testable import Core
@testable import Server

/// PATCH /v1/setups/{id} against moto through the fault proxy: the plan is the difference, and an
/// endpoint that stays keeps its id.
@Suite struct InPlaceChangeTests {
    func patch(_ app: Application, _ id: String, _ body: String, etag: String?, query: String = "") -> (Response, JSON?) {
        var fields: HTTPFields = [.hostHeader: "localhost", .contentType: "application/merge-patch+json"]
        if let etag { fields[.ifMatch] = etag }
        let response = app.respond(to: Request(method: .patch, target: "/v1/setups/\(id)\(query)", headerFields: fields, body: Array(body.utf8)))
        return (response, try? JSON.parse(response.body))
    }

    func etag(_ app: Application, _ id: String) -> String? {
        app.respond(to: Request(method: .get, target: "/v1/setups/\(id)", headerFields: [.hostHeader: "localhost"], body: [])).header(.eTag)
    }

    func vpce(_ detail: SetupDetail, _ service: String) -> String? { detail.endpoints.first { $0.services.contains(service) }?.vpcEndpointID }

    @Test func addModifyAndRemoveChangeOnlyWhatChanged() throws {
        let world = try ProvisioningTests.world(rules: .init(pendingPolls: 1), services: ["metrics", "api"])
        let tests = ProvisioningTests()
        let id = try tests.submit(world, try tests.request(world, services: ["metrics"]))
        world.provisioner.start()
        defer { world.provisioner.stop(timeout: 10) }
        let first = try tests.settle(world, id)
        #expect(first.setup.status == .ready, "\(first.setup.errorMessage ?? "")")
        let metrics = try #require(vpce(first, "metrics"))
        let provisioner = world.provisioner
        let app = Application(catalog: world.catalog, store: world.store, logger: Logger(label: "test"), workQueued: { provisioner.notify() })

        // A dry run answers the difference and stores nothing.
        let revision = try #require(try world.store.revision(id))
        let (preview, previewJSON) = patch(app, id, #"{"services": ["metrics", "api"]}"#, etag: nil, query: "?dry_run=true")
        #expect(preview.status == 200 && previewJSON?["change"]?["create"] == ["api"])
        #expect(try world.store.revision(id) == revision && world.proxy.creates.withLock { $0.count } == 1)

        // Add a service: exactly one new endpoint; the other keeps its id.
        let (added, addedJSON) = patch(app, id, #"{"services": ["metrics", "api"]}"#, etag: etag(app, id))
        #expect(added.status == 202 && addedJSON?["status"] == "updating", "\(addedJSON.map { String(decoding: $0.serialized(), as: UTF8.self) } ?? "")")
        let second = try tests.settle(world, id)
        #expect(second.setup.status == .ready && second.endpoints.count == 2, "\(second.setup.errorMessage ?? "")")
        #expect(vpce(second, "metrics") == metrics && world.proxy.creates.withLock { $0.count } == 2)
        let api = try #require(vpce(second, "api"))

        // One subnet fewer and a second security group: ModifyVpcEndpoint, ids unchanged.
        let group = try world.fixture.raw(
            "CreateSecurityGroup", [("GroupName", "pl2-\(UUID().uuidString.prefix(8))"), ("GroupDescription", "second"), ("VpcId", world.net.vpc)]
        ).text("groupId")!
        try world.fixture.admit("10.0.0.0/8", to: group)
        let keep = world.net.subnets[0]
        let body = #"{"subnet_ids": ["\#(keep)"], "security_group_ids": ["\#(world.net.securityGroup)", "\#(group)"]}"#
        #expect(patch(app, id, body, etag: etag(app, id)).0.status == 202)
        let third = try tests.settle(world, id)
        #expect(third.setup.status == .ready, "\(third.setup.errorMessage ?? "")")
        #expect(vpce(third, "metrics") == metrics && vpce(third, "api") == api)
        let seen = try boto3(
            world.fixture.moto,
            """
            out = {}
            for e in ec2.describe_vpc_endpoints(VpcEndpointIds=["\(metrics)", "\(api)"])["VpcEndpoints"]:
                out[e["VpcEndpointId"]] = {"subnets": sorted(e["SubnetIds"]), "groups": sorted(g["GroupId"] for g in e["Groups"])}
            print(json.dumps(out))
            """)
        for endpoint in [metrics, api] {
            #expect(seen[endpoint]?["subnets"] == .strings([keep]))
            #expect(seen[endpoint]?["groups"] == .strings([world.net.securityGroup, group].sorted()))
        }
        let modifies = try world.store.database.read { db in
            try db.rows("SELECT count(*) FROM aws_calls WHERE setup_id = ? AND action = 'ModifyVpcEndpoint' AND http_status = 200", [.text(id)]) {
                $0.int(0)
            }
        }
        #expect(modifies == [2])

        // And back the other way: the subnet added again, the first group removed.
        let reverse = #"{"subnet_ids": \#(JSON.strings(world.net.subnets).serializedString), "security_group_ids": ["\#(group)"]}"#
        #expect(patch(app, id, reverse, etag: etag(app, id)).0.status == 202)
        let back = try tests.settle(world, id)
        #expect(back.setup.status == .ready && vpce(back, "metrics") == metrics && vpce(back, "api") == api, "\(back.setup.errorMessage ?? "")")
        let modifyParameters = world.proxy.modifies.withLock { $0 }
        #expect(modifyParameters.count == 4)
        #expect(
            modifyParameters.suffix(2).allSatisfy {
                $0["AddSubnetId.1"] == world.net.subnets[1] && $0["RemoveSecurityGroupId.1"] == world.net.securityGroup && $0["RemoveSubnetId.1"] == nil
                    && $0["AddSecurityGroupId.1"] == nil
            }, "\(modifyParameters)")

        // Remove a service: its endpoint is deleted, the other is untouched.
        #expect(patch(app, id, #"{"services": ["metrics"]}"#, etag: etag(app, id)).0.status == 202)
        let fourth = try tests.settle(world, id)
        #expect(fourth.setup.status == .ready && fourth.endpoints.map(\.vpcEndpointID) == [metrics], "\(fourth.setup.errorMessage ?? "")")
        let state = try boto3(
            world.fixture.moto,
            """
            try:
                print(json.dumps([e["State"] for e in ec2.describe_vpc_endpoints(VpcEndpointIds=["\(api)"])["VpcEndpoints"]]))
            except ec2.exceptions.ClientError as error:
                print(json.dumps([error.response["Error"]["Code"]]))
            """)
        #expect(state.arrayValue?.allSatisfy { ["deleted", "InvalidVpcEndpointId.NotFound"].contains($0.stringValue ?? "") } == true, "\(state)")
        #expect(try world.store.events(id)?.contains { $0.toState == "updating" && $0.reason?.contains("delete api") == true } == true)
    }

    @Test func aPeeringSetupGainsAndLosesAServiceWithItsZone() throws {
        let world = try ProvisioningTests.world(rules: .init(pendingPolls: 1), services: ["metrics", "api"])
        let tests = ProvisioningTests()
        let agents = try tests.agentsVPC(world)
        var request = try tests.peeringRequest(world, agents, nameTables: false)
        request.services = ["metrics"]
        let id = try tests.submit(world, request)
        world.provisioner.start()
        defer { world.provisioner.stop(timeout: 10) }
        #expect(try tests.settle(world, id).setup.status == .ready)
        let provisioner = world.provisioner
        let app = Application(catalog: world.catalog, store: world.store, logger: Logger(label: "test"), workQueued: { provisioner.notify() })
        let route53 = Route53Client(client: world.fixture.aws)
        func agentZones() throws -> Set<String> { Set(try route53.listHostedZonesByVPC(vpcID: agents.vpc, vpcRegion: agents.region).map(\.name)) }
        #expect(try agentZones().count == 1)

        let (added, addedJSON) = patch(app, id, #"{"services": ["metrics", "api"]}"#, etag: etag(app, id))
        #expect(added.status == 202)
        let steps = addedJSON?["change"]?["steps"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(steps.suffix(3) == ["create_hosted_zone:api", "upsert_alias_record:api", "associate_zone:api"], "\(steps)")
        let grown = try tests.settle(world, id)
        #expect(grown.setup.status == .ready && grown.endpoints.count == 2, "\(grown.setup.errorMessage ?? "")")
        #expect(try agentZones().count == 2, "the new endpoint's zone answers in the agents' VPC")

        #expect(patch(app, id, #"{"services": ["metrics"]}"#, etag: etag(app, id)).0.status == 202)
        let shrunk = try tests.settle(world, id)
        #expect(shrunk.setup.status == .ready && shrunk.endpoints.map(\.services) == [["metrics"]], "\(shrunk.setup.errorMessage ?? "")")
        #expect(try agentZones().count == 1, "the removed endpoint's zone is gone")
        #expect(try world.store.database.read { try ZoneRows.zones($0, setupID: id) }.count == 1)
    }

    @Test func aFailedChangeSaysWhatWasNotAppliedAndRetryContinuesIt() throws {
        let world = try ProvisioningTests.world(rules: .init(pendingPolls: 1), services: ["metrics"])
        let tests = ProvisioningTests()
        let id = try tests.submit(world, try tests.request(world, services: ["metrics"]))
        world.provisioner.start()
        defer { world.provisioner.stop(timeout: 10) }
        let first = try tests.settle(world, id)
        #expect(first.setup.status == .ready)
        let metrics = try #require(vpce(first, "metrics"))
        let provisioner = world.provisioner
        let app = Application(catalog: world.catalog, store: world.store, logger: Logger(label: "test"), workQueued: { provisioner.notify() })
        // A group that does not admit 443 yet: the change's preflight stops it before any change.
        let closed = try world.fixture.raw(
            "CreateSecurityGroup", [("GroupName", "closed-\(UUID().uuidString.prefix(8))"), ("GroupDescription", "no 443"), ("VpcId", world.net.vpc)]
        ).text("groupId")!
        let body = #"{"security_group_ids": ["\#(world.net.securityGroup)", "\#(closed)"]}"#
        #expect(patch(app, id, body, etag: etag(app, id)).0.status == 202)
        let failed = try tests.settle(world, id)
        #expect(failed.setup.status == .failed && failed.setup.errorMessage?.contains(closed) == true, "\(failed.setup.errorMessage ?? "")")
        let job = try #require(failed.jobs.first { $0.kind == .update })
        #expect(job.state == .failed && job.completedSteps == 0 && job.lastError?.contains("security_group_blocks_443") == true, "\(job)")
        #expect(try world.fixture.ec2().describeVpcEndpoints(ids: [metrics]).first?.securityGroupIDs == [world.net.securityGroup], "nothing applied")

        try world.fixture.raw(
            "AuthorizeSecurityGroupIngress",
            [
                ("GroupId", closed), ("IpPermissions.1.IpProtocol", "tcp"), ("IpPermissions.1.FromPort", "443"), ("IpPermissions.1.ToPort", "443"),
                ("IpPermissions.1.IpRanges.1.CidrIp", "10.0.0.0/8"),
            ])
        _ = try world.store.requestRetry(id, actor: "test")
        world.provisioner.notify()
        let retried = try tests.settle(world, id)
        #expect(retried.setup.status == .ready && vpce(retried, "metrics") == metrics, "\(retried.setup.errorMessage ?? "")")
        #expect(retried.jobs.first { $0.kind == .update }.map { $0.id == job.id && $0.state == .succeeded } == true, "the same update job went on")
        #expect(Set(try world.fixture.ec2().describeVpcEndpoints(ids: [metrics]).first?.securityGroupIDs ?? []) == [world.net.securityGroup, closed])
    }
}

extension InPlaceChangeTests {
    /// A peering setup that failed at its routes (`manage_routes: false`, none in place) is
    /// changed to let privatelinkd manage them: the change completes the provisioning, so the
    /// setup and its peer end ready with the zones associated, not ready with steps never run.
    @Test func aChangeToAFailedPeeringSetupResumesItsProvisioningAndThePeerEndsReady() throws {
        let world = try ProvisioningTests.world(rules: .init(pendingPolls: 1), services: ["metrics", "api"])
        let tests = ProvisioningTests()
        let agents = try tests.agentsVPC(world)
        let id = try tests.submit(world, try tests.peeringRequest(world, agents, nameTables: false, manageRoutes: false))
        world.provisioner.start()
        defer { world.provisioner.stop(timeout: 10) }
        let failed = try tests.settle(world, id)
        try #require(failed.setup.status == .failed && failed.setup.errorCode == "routes_missing", "\(failed.setup.errorMessage ?? "")")
        let peer = { try #require(try world.store.database.read { try SpokeRows.setupPeer($0, setupID: id) }) }
        #expect(try peer().status == .failed && peer().errorCode == "routes_missing" && peer().currentStep == "check_routes")

        let app = Application(catalog: world.catalog, store: world.store, logger: Logger(label: "test"), workQueued: { world.provisioner.notify() })
        let (changed, json) = patch(app, id, #"{"peer": {"manage_routes": true}}"#, etag: etag(app, id))
        #expect(changed.status == 202)
        let steps = json?["change"]?["steps"]?.arrayValue?.compactMap(\.stringValue) ?? []
        // The whole plan again (every step idempotent): what finished is found done, the rest runs.
        #expect(steps.first == "preflight_vpc" && steps.contains("check_routes"), "\(steps)")
        #expect(steps.suffix(2) == ["associate_zone:metrics", "associate_zone:api"], "\(steps)")
        let ready = try tests.settle(world, id)
        #expect(ready.setup.status == .ready, "\(ready.setup.errorMessage ?? "")")
        #expect(try peer().status == .ready && peer().associatedZones.count == 2 && !peer().routesAdded.isEmpty)
        let route53 = Route53Client(client: world.fixture.aws)
        #expect(try route53.listHostedZonesByVPC(vpcID: agents.vpc, vpcRegion: agents.region).count == 2)
        let moves = try world.store.events(id)?.filter { $0.entityType == "spoke" }.map(\.toState)
        #expect(moves == ["pending", "provisioning", "failed", "provisioning", "ready"], "\(moves ?? [])")
    }
}

extension InPlaceChangeTests {
    /// Provisioning failed in preflight (the group does not admit 443); the change that names a
    /// group that does completes it: the endpoints are created, once each, and the setup is ready.
    @Test func aChangeThatFixesAFailedPreflightCreatesWhatWasNeverCreated() throws {
        let world = try ProvisioningTests.world(rules: .init(pendingPolls: 1), services: ["metrics", "api"], sgPort: 8443)
        let tests = ProvisioningTests()
        let id = try tests.submit(world, try tests.request(world))
        world.provisioner.start()
        defer { world.provisioner.stop(timeout: 10) }
        let failed = try tests.settle(world, id)
        try #require(failed.setup.status == .failed && failed.setup.errorCode == "security_group_blocks_443", "\(failed.setup.errorMessage ?? "")")
        #expect(world.proxy.creates.withLock { $0.isEmpty })

        let group = try #require(
            try world.fixture.raw(
                "CreateSecurityGroup", [("GroupName", "pl443-\(UUID().uuidString.prefix(8))"), ("GroupDescription", "443"), ("VpcId", world.net.vpc)]
            ).text("groupId"))
        try world.fixture.admit("10.0.0.0/8", to: group)
        let app = Application(catalog: world.catalog, store: world.store, logger: Logger(label: "test"), workQueued: { world.provisioner.notify() })
        let (changed, json) = patch(app, id, #"{"security_group_ids": ["\#(group)"]}"#, etag: etag(app, id))
        #expect(changed.status == 202, "\(json?.serializedString ?? "")")
        let steps = json?["change"]?["steps"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(steps.firstIndex(of: "preflight_security_groups")! < steps.firstIndex(of: "create_endpoint:metrics")!, "\(steps)")
        let ready = try tests.settle(world, id)
        #expect(ready.setup.status == .ready && ready.endpoints.allSatisfy { $0.state == .available }, "\(ready.setup.errorMessage ?? "")")
        #expect(world.proxy.creates.withLock { $0.count } == 2 && world.proxy.creates.withLock { $0 }.allSatisfy { $0["SecurityGroupId.1"] == group })
    }
}
