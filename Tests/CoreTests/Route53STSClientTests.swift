import Foundation
import Testing
@testable import Core

@Suite struct Route53ClientTests {
    @Test func privateZoneAliasRecordAssociationAndDeletionRoundTrip() throws {
        let fixture = try MotoFixture()
        let endpointsVPC = try fixture.network(cidr: "10.41.0.0/16")
        let agentsVPC = try fixture.network(cidr: "10.42.0.0/16")
        let endpoint = try fixture.ec2().createVpcEndpoint(
            .init(
                vpcID: endpointsVPC.vpc, serviceName: "com.amazonaws.vpce.us-east-1.vpce-svc-09a8006e245d1e7b8",
                subnetIDs: endpointsVPC.subnets, securityGroupIDs: [endpointsVPC.securityGroup], privateDNSEnabled: false))
        let route53 = Route53Client(client: fixture.aws)
        let reference = "su_r53.metrics.\(UUID().uuidString.prefix(8))"
        let zone = try route53.createPrivateHostedZone(
            name: "metrics.agent.datadoghq.com", vpcID: endpointsVPC.vpc,
            vpcRegion: "us-east-1", callerReference: reference, comment: "privatelinkd su_r53")
        #expect(!zone.id.isEmpty && !zone.id.contains("/"))
        #expect(zone.name.hasPrefix("metrics.agent.datadoghq.com"))

        let target = try #require(endpoint.dnsNames.first)
        let change = try route53.changeAliasRecord(
            zoneID: zone.id, name: "metrics.agent.datadoghq.com", targetDNSName: target,
            targetZoneID: endpoint.dnsHostedZoneID ?? "Z7HUB22UULQXV")
        #expect(try route53.getChange(id: change) == .insync)
        let records = try route53.listResourceRecordSets(zoneID: zone.id)
        #expect(records.contains { $0.type == "A" && $0.aliasDNSName?.hasPrefix(target) == true })

        try route53.associateVPC(zoneID: zone.id, vpcID: agentsVPC.vpc, vpcRegion: "us-east-1")
        let zonesOfAgents = try route53.listHostedZonesByVPC(vpcID: agentsVPC.vpc, vpcRegion: "us-east-1")
        #expect(zonesOfAgents.map(\.id).contains(zone.id))

        // boto3 sees the same association.
        let seen = try boto3(
            fixture.moto,
            """
            z = route53.get_hosted_zone(Id="\(zone.id)")
            print(json.dumps(sorted(v["VPCId"] for v in z["VPCs"])))
            """)
        #expect(seen == .array([.string(endpointsVPC.vpc), .string(agentsVPC.vpc)].sorted { $0.stringValue! < $1.stringValue! }))

        try route53.disassociateVPC(zoneID: zone.id, vpcID: agentsVPC.vpc, vpcRegion: "us-east-1")
        #expect(try !route53.listHostedZonesByVPC(vpcID: agentsVPC.vpc, vpcRegion: "us-east-1").map(\.id).contains(zone.id))
        try route53.changeAliasRecord(
            zoneID: zone.id, action: "DELETE", name: "metrics.agent.datadoghq.com", targetDNSName: target,
            targetZoneID: endpoint.dnsHostedZoneID ?? "Z7HUB22UULQXV")
        try route53.deleteHostedZone(id: zone.id)
        #expect(throws: AWSError.self) { try route53.listResourceRecordSets(zoneID: zone.id) }
    }

    /// moto 5.2.1 has no CreateVPCAssociationAuthorization (404): the call is built and signed like
    /// the others (path and body shape from the botocore model) and the gap is stated here.
    @Test func associationAuthorizationIsMissingFromMoto() throws {
        let fixture = try MotoFixture()
        let net = try fixture.network(cidr: "10.43.0.0/16")
        let route53 = Route53Client(client: fixture.aws)
        let zone = try route53.createPrivateHostedZone(
            name: "trace.agent.datadoghq.com", vpcID: net.vpc, vpcRegion: "us-east-1",
            callerReference: "auth-\(UUID().uuidString.prefix(8))", comment: "t")
        #expect {
            try route53.createVPCAssociationAuthorization(zoneID: zone.id, vpcID: "vpc-0123456789abcdef0", vpcRegion: "eu-west-1")
        } throws: { error in (error as? AWSError)?.httpStatus == 404 }
    }
}

@Suite struct STSClientTests {
    @Test func callerIdentityAndAssumedRoles() throws {
        let fixture = try MotoFixture()
        let sts = STSClient(client: fixture.aws, region: "us-east-1")
        let identity = try sts.getCallerIdentity()
        #expect(identity.account.count == 12)
        #expect(identity.arn.hasPrefix("arn:aws:"))
        let role = "arn:aws:iam::\(identity.account):role/privatelinkd"
        let assumed = try sts.assumeRole(roleARN: role, sessionName: "privatelinkd-test", externalID: "ext-1")
        #expect(assumed.accessKeyID.hasPrefix("ASIA"))
        #expect(assumed.sessionToken?.isEmpty == false)
        #expect(assumed.expiration.map { $0 > Date() } == true)
        #expect(!assumed.description.contains(assumed.secretAccessKey))
        let web = try sts.assumeRoleWithWebIdentity(roleARN: role, sessionName: "eks", token: "eyJhbGciOi.token.sig")
        #expect(web.sessionToken?.isEmpty == false)
    }
}

@Suite struct AWSCallLogTests {
    @Test func everyAttemptIsRecordedWithWhatAWSSaid() throws {
        let (database, _) = try makeTestDatabase()
        let store = SetupStore(database: database)
        let request = try validRequest()
        guard
            case let .created(detail, _, _) = try store.create(
                request: request, plan: Plan(request: request, site: Catalog.bundled().site("us1")!),
                idempotency: nil, actor: "test", render: { _ in (202, []) })
        else { Issue.record("not created"); return }
        let log = AWSCallLog(database: database)
        let fixture = try MotoFixture(recorder: log)
        let ec2 = fixture.ec2(CallContext(accountID: "123456789012", setupID: detail.setup.id, jobID: "jb_test"))
        _ = try ec2.describeAvailabilityZones()
        _ = try? ec2.describeVpcs(ids: ["vpc-0000000000000beef"])
        let calls = try log.calls(setupID: detail.setup.id)
        #expect(calls.map(\.action) == ["DescribeAvailabilityZones", "DescribeVpcs"])
        #expect(calls[0].httpStatus == 200 && calls[0].errorCode == nil)
        #expect(calls[1].httpStatus == 400 && calls[1].errorCode == "InvalidVpcID.NotFound" && calls[1].requestID != nil)
        #expect(calls.allSatisfy { $0.attempt == 1 && $0.accountID == "123456789012" && $0.jobID == "jb_test" && $0.region == "us-east-1" })
        // The auditors' question in one query.
        let failed = try database.read { db in
            try db.rows(
                "SELECT action, error_code, error_message FROM aws_calls WHERE setup_id = ? AND error_code IS NOT NULL",
                [.text(detail.setup.id)]
            ) { "\($0.string(0)) \($0.string(1))" }
        }
        #expect(failed == ["DescribeVpcs InvalidVpcID.NotFound"])
        #expect(throws: SQLiteError.self) { try database.write { try $0.run("DELETE FROM aws_calls") } }
    }
}
