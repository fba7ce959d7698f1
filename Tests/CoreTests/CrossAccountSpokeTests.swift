import Foundation
import HTTPTypes
import Logging
import Testing
@testable import Core
@testable import Server

/// A hub's spoke in another account, through the role privatelinkd assumes there, against moto.
/// moto keeps EC2 per account (and enforces who accepts a peering); Route53's side across accounts,
/// which moto 5.2.1 lacks, is the proxy's `Route53CrossAccount`. The spoke goes in and out through
/// the API's POST and DELETE, the whole way to the AWS calls.
extension ProvisioningTests {
    static let spokeAccount = "222222222222"
    static let spokeRole = "arn:aws:iam::222222222222:role/spoke"

    /// Calls to the proxy (so to the Route53 stand-in) with the given credentials.
    func viaProxy(_ world: World, _ credentials: AWSCredentials) -> AWSClient {
        AWSClient(
            environment: AWSEnvironment(variables: ["AWS_ENDPOINT_URL": world.proxy.url]), credentials: StaticCredentialProvider(credentials),
            sleep: { _ in })
    }

    func api(_ app: Application, _ method: HTTPRequest.Method, _ target: String, _ body: JSON? = nil) throws -> (Int, JSON) {
        let response = app.respond(
            to: Request(
                method: method, target: target, headerFields: [.hostHeader: "localhost", .contentType: "application/json"],
                body: body.map { $0.serialized() } ?? []))
        return (Int(response.status.code), try JSON.parse(response.body))
    }

    @Test func aSpokeInAnotherAccountIsPeeredAuthorizedAndAssociatedThroughItsRoleAndRemoved() throws {
        let world = try Self.world(rules: .init(pendingPolls: 1))
        world.provisioner.start()
        defer { world.provisioner.stop() }
        var logger = Logger(label: "test")
        logger.logLevel = .error
        let app = Application(catalog: world.catalog, store: world.store, logger: logger, workQueued: { world.provisioner.notify() })
        let (hubID, _) = try readyHub(world)
        let zones = Set(try world.store.database.read { try ZoneRows.zones($0, setupID: hubID) }.compactMap(\.zoneID))
        try #require(zones.count == 2)
        let sts = STSClient(client: world.fixture.aws, region: "us-east-1")
        let hubAccount = try sts.getCallerIdentity().account
        let hubSetupAccount = try world.store.get(hubID)?.setup.accountID
        #expect(hubAccount == "123456789012" && hubAccount == hubSetupAccount)

        // The spoke's VPC, made in the other account with its role's credentials: the hub's account
        // does not see it.
        let externalID = "plk-xacct-\(UUID().uuidString.prefix(8))"
        let assumed = try sts.assumeRole(roleARN: Self.spokeRole, sessionName: "fixture", externalID: externalID)
        let spokeSide = try MotoFixture(credentials: assumed)
        #expect(try STSClient(client: spokeSide.aws, region: "us-east-1").getCallerIdentity().account == Self.spokeAccount)
        let hubCIDR = try world.fixture.ec2().describeVpcs(ids: [world.net.vpc])[0].cidrBlocks[0]
        let cidr = "10.\(Int.random(in: 20...59)).0.0/16"  // world() takes 60...250
        let net = try spokeSide.network(cidr: cidr)
        #expect(throws: AWSError.self) { try world.fixture.ec2().describeVpcs(ids: [net.vpc]) }
        let endpointCalls = (world.proxy.creates.withLock { $0.count }, world.proxy.modifies.withLock { $0.count })

        let (status, created) = try api(
            app, .post, "/v1/setups/\(hubID)/spokes",
            .object([
                ("vpc_id", .string(net.vpc)), ("region", "us-east-1"), ("transport", "peering"), ("account_id", .string(Self.spokeAccount)),
                ("role_arn", .string(Self.spokeRole)), ("external_id", .string(externalID)),
            ]))
        #expect(status == 202, "\(created)")
        let spokeID = try #require(created["id"]?.stringValue)
        let ready = try waitForSpoke(world, spokeID, [.ready, .failed])
        try #require(ready.status == .ready, "\(ready.errorCode ?? "") \(ready.errorMessage ?? "")")

        // The spoke's side went through the role, with its external id.
        let assumedRoles = world.proxy.assumeRoles.withLock { $0 }.filter { $0["RoleArn"] == Self.spokeRole }
        #expect(!assumedRoles.isEmpty && assumedRoles.allSatisfy { $0["ExternalId"] == externalID })
        // The hub asked for the peering into the other account, which accepted it.
        let pcx = try #require(ready.peeringConnectionID)
        let requested = world.proxy.peeringRequests.withLock { $0 }.filter { $0["PeerVpcId"] == net.vpc }
        #expect(requested.count == 1 && requested[0]["VpcId"] == world.net.vpc && requested[0]["PeerOwnerId"] == Self.spokeAccount)
        let peering = try #require(try world.fixture.ec2().describeVpcPeeringConnections(ids: [pcx]).first)
        #expect(peering.status == "active" && peering.requesterOwnerID == hubAccount && peering.accepterOwnerID == Self.spokeAccount)

        // Per zone: the hub's account authorized, the spoke's account associated.
        let route53Calls = world.proxy.crossAccount.calls.withLock { $0 }
        let authorized = route53Calls.filter { $0.action == "CreateVPCAssociationAuthorization" }
        let associated = route53Calls.filter { $0.action == "AssociateVPCWithHostedZone" }
        #expect(authorized.count == zones.count && Set(authorized.map(\.zoneID)) == zones)
        #expect(authorized.allSatisfy { $0.account == hubAccount && $0.vpcID == net.vpc && $0.status == 200 })
        #expect(associated.count == zones.count && Set(associated.map(\.zoneID)) == zones)
        #expect(associated.allSatisfy { $0.account == Self.spokeAccount && $0.vpcID == net.vpc && $0.status == 200 })
        #expect(Set(ready.authorizedZones) == zones && Set(ready.associatedZones) == zones)
        let spokeRoute53 = Route53Client(client: viaProxy(world, assumed))
        #expect(Set(try spokeRoute53.listHostedZonesByVPC(vpcID: net.vpc, vpcRegion: "us-east-1").map(\.id)) == zones)
        let owners = try spokeRoute53.call(
            "ListHostedZonesByVPC", method: "GET", path: "/2013-04-01/hostedzonesbyvpc", query: [("vpcid", net.vpc), ("vpcregion", "us-east-1")]
        ).items("HostedZoneSummaries", member: "HostedZoneSummary").map { $0.text("Owner", "OwningAccount") }
        #expect(owners.count == zones.count && owners.allSatisfy { $0 == hubAccount })
        #expect(Set(try Route53Client(client: world.fixture.aws).listHostedZonesByVPC(vpcID: net.vpc, vpcRegion: "us-east-1").map(\.id)) == zones)
        // privatelinkd's own log says the same of who called what.
        let spokeJobs = try world.store.database.read { try SpokeRows.jobs($0, spokeID: spokeID).map(\.id) }
        let logged = try world.callLog.calls(setupID: hubID).filter { spokeJobs.contains($0.jobID ?? "") }
        #expect(logged.filter { $0.action == "AssociateVPCWithHostedZone" }.allSatisfy { $0.accountID == Self.spokeAccount })
        #expect(logged.filter { $0.action == "CreateVPCAssociationAuthorization" }.allSatisfy { $0.accountID == hubAccount })

        // Routes both ways, each in its own account's tables.
        let hubTables = try world.fixture.ec2().describeRouteTables(filters: [EC2Filter("vpc-id", [world.net.vpc])])
        #expect(hubTables.flatMap(\.routes).contains { $0.destinationCIDR == cidr && $0.vpcPeeringConnectionID == pcx })
        let spokeTables = try spokeSide.ec2().describeRouteTables(filters: [EC2Filter("vpc-id", [net.vpc])])
        #expect(!spokeTables.isEmpty && spokeTables.allSatisfy { $0.routes.contains { $0.destinationCIDR == hubCIDR && $0.vpcPeeringConnectionID == pcx } })
        // Adding it made no endpoint call.
        #expect(!logged.isEmpty && !logged.contains { $0.action.contains("VpcEndpoint") })
        #expect((world.proxy.creates.withLock { $0.count }, world.proxy.modifies.withLock { $0.count }) == endpointCalls)

        // DELETE: the spoke's account disassociates, the hub's withdraws its authorizations, the
        // routes and the peering go; the hub's zones stay.
        let (deleteStatus, deleting) = try api(app, .delete, "/v1/setups/\(hubID)/spokes/\(spokeID)")
        #expect(deleteStatus == 202, "\(deleting)")
        let gone = try waitForSpoke(world, spokeID, [.deleted, .failed])
        #expect(gone.status == .deleted, "\(gone.errorCode ?? "") \(gone.errorMessage ?? "")")
        let removals = world.proxy.crossAccount.calls.withLock { $0 }.dropFirst(route53Calls.count)
        let disassociated = removals.filter { $0.action == "DisassociateVPCFromHostedZone" }
        let withdrawn = removals.filter { $0.action == "DeleteVPCAssociationAuthorization" }
        #expect(Set(disassociated.map(\.zoneID)) == zones && disassociated.allSatisfy { $0.account == Self.spokeAccount && $0.status == 200 })
        #expect(Set(withdrawn.map(\.zoneID)) == zones && withdrawn.allSatisfy { $0.account == hubAccount && $0.status == 200 })
        #expect(world.proxy.crossAccount.associations.withLock { $0 }.isEmpty)
        #expect(world.proxy.crossAccount.authorizations.withLock { $0 }.isEmpty)
        #expect(gone.associatedZones.isEmpty && gone.authorizedZones.isEmpty && gone.routesAdded.isEmpty)
        #expect(try spokeRoute53.listHostedZonesByVPC(vpcID: net.vpc, vpcRegion: "us-east-1").isEmpty)
        #expect(Set(try Route53Client(client: world.fixture.aws).listHostedZonesByVPC(vpcID: world.net.vpc, vpcRegion: "us-east-1").map(\.id)) == zones)
        let after = try world.fixture.ec2().describeVpcPeeringConnections(ids: [pcx]).first
        #expect(after == nil || after?.status == "deleted", "\(after?.status ?? "")")
        #expect(
            !(try world.fixture.ec2().describeRouteTables(filters: [EC2Filter("vpc-id", [world.net.vpc])])).flatMap(\.routes).contains {
                $0.destinationCIDR == cidr
            })
        #expect(
            !(try spokeSide.ec2().describeRouteTables(filters: [EC2Filter("vpc-id", [net.vpc])])).flatMap(\.routes).contains { $0.destinationCIDR == hubCIDR })
        // Without its authorization the spoke's account can no longer associate (AWS: 401).
        #expect {
            try spokeRoute53.associateVPC(zoneID: zones.first!, vpcID: net.vpc, vpcRegion: "us-east-1")
        } throws: { error in
            (error as? AWSError).map { $0.code == "NotAuthorizedException" && $0.httpStatus == 401 } ?? false
        }
    }
}
