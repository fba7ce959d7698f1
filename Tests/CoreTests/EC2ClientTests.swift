import Foundation
import Testing
@testable import Core

/// Our EC2 client against moto, with results read back by a second call or by boto3.
@Suite struct EC2ClientTests {
    @Test func vpcSubnetsSecurityGroupsAndZonesRoundTrip() throws {
        let fixture = try MotoFixture()
        let net = try fixture.network(cidr: "10.31.0.0/16")
        let ec2 = fixture.ec2()
        let vpcs = try ec2.describeVpcs(ids: [net.vpc])
        #expect(vpcs.map(\.id) == [net.vpc])
        #expect(vpcs.first?.cidrBlocks == ["10.31.0.0/16"])
        #expect(try ec2.describeVpcAttribute(vpcID: net.vpc, attribute: "enableDnsSupport"))
        #expect(try ec2.describeVpcAttribute(vpcID: net.vpc, attribute: "enableDnsHostnames"))
        let subnets = try ec2.describeSubnets(ids: net.subnets)
        #expect(Set(subnets.map(\.id)) == Set(net.subnets))
        #expect(subnets.allSatisfy { $0.vpcID == net.vpc && $0.availabilityZoneID != nil })
        #expect(Set(subnets.map(\.availabilityZone)).count == 2)
        let groups = try ec2.describeSecurityGroups(ids: [net.securityGroup])
        #expect(groups.first?.ingress.contains { $0.allowsTCP(port: 443) && $0.cidrBlocks.contains("10.31.0.0/16") } == true)
        let zones = try ec2.describeAvailabilityZones()
        #expect(zones.count >= 2 && zones.allSatisfy { $0.name.hasPrefix("us-east-1") && !$0.id.isEmpty })
    }

    @Test func endpointCreateDescribeDeleteRoundTrip() throws {
        let fixture = try MotoFixture()
        let net = try fixture.network(cidr: "10.32.0.0/16")
        let ec2 = fixture.ec2()
        let created = try ec2.createVpcEndpoint(
            .init(
                vpcID: net.vpc, serviceName: "com.amazonaws.vpce.us-east-1.vpce-svc-09a8006e245d1e7b8",
                subnetIDs: net.subnets, securityGroupIDs: [net.securityGroup], privateDNSEnabled: true,
                clientToken: "su_test.metrics.1", tags: [("privatelinkd:setup", "su_test"), ("privatelinkd:service", "metrics")]))
        #expect(created.id.hasPrefix("vpce-"))
        #expect(created.vpcID == net.vpc)
        #expect(created.tags["privatelinkd:service"] == "metrics")

        let byID = try ec2.describeVpcEndpoints(ids: [created.id])
        #expect(byID.map(\.id) == [created.id])
        #expect(byID.first?.state == .available)  // moto: available at once
        #expect(Set(byID.first?.subnetIDs ?? []) == Set(net.subnets))
        let byTag = try ec2.describeVpcEndpoints(filters: [EC2Filter("tag:privatelinkd:setup", ["su_test"]), EC2Filter("vpc-id", [net.vpc])])
        #expect(byTag.map(\.id) == [created.id])

        // An independent client sees the same endpoint.
        let seen = try boto3(
            fixture.moto,
            """
            r = ec2.describe_vpc_endpoints(VpcEndpointIds=["\(created.id)"])["VpcEndpoints"][0]
            print(json.dumps({"id": r["VpcEndpointId"], "service": r["ServiceName"], "vpc": r["VpcId"]}))
            """)
        #expect(
            seen == .object([("id", .string(created.id)), ("service", "com.amazonaws.vpce.us-east-1.vpce-svc-09a8006e245d1e7b8"), ("vpc", .string(net.vpc))]))

        let interfaces = try ec2.describeNetworkInterfaces(ids: byID.first?.networkInterfaceIDs ?? [])
        #expect(interfaces.count == (byID.first?.networkInterfaceIDs.count ?? -1))
        #expect(interfaces.allSatisfy { !$0.privateIPs.isEmpty })

        let failures = try ec2.deleteVpcEndpoints(ids: [created.id])
        #expect(failures.isEmpty)
        let after = try ec2.describeVpcEndpoints(ids: [created.id])
        #expect(after.allSatisfy { $0.state == .deleted })  // moto keeps deleted endpoints listed
    }

    /// A stand-in for a Datadog endpoint service (moto lists only the account's own services):
    /// an NLB-backed service configuration with a private DNS name, made with boto3.
    @Test func endpointServiceIsFoundWithItsZonesAndPrivateDNSName() throws {
        let fixture = try MotoFixture()
        let name = try boto3(
            fixture.moto,
            """
            elb = session.client("elbv2", endpoint_url="\(fixture.moto.url.absoluteString)")
            vpc = ec2.create_vpc(CidrBlock="10.35.0.0/16")["Vpc"]["VpcId"]
            subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.35.1.0/24", AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
            lb = elb.create_load_balancer(Name="dd-metrics-%s" % vpc[-6:], Subnets=[subnet], Type="network")["LoadBalancers"][0]["LoadBalancerArn"]
            svc = ec2.create_vpc_endpoint_service_configuration(NetworkLoadBalancerArns=[lb], AcceptanceRequired=False,
                                                                PrivateDnsName="metrics.agent.datadoghq.com")["ServiceConfiguration"]
            print(json.dumps(svc["ServiceName"]))
            """
        ).stringValue
        let serviceName = try #require(name)
        let found = try fixture.ec2().describeVpcEndpointServices(serviceNames: [serviceName])
        #expect(found.map(\.serviceName) == [serviceName])
        #expect(found.first?.privateDNSName == "metrics.agent.datadoghq.com")
        #expect(found.first?.availabilityZones == ["us-east-1a"])
        #expect {
            try fixture.ec2().describeVpcEndpointServices(serviceNames: ["com.amazonaws.vpce.us-east-1.vpce-svc-0000000000000dead"])
        } throws: { error in (error as? AWSError)?.code == "InvalidServiceName" }
    }

    @Test func peeringAndRouteTables() throws {
        let fixture = try MotoFixture()
        let a = try fixture.network(cidr: "10.33.0.0/16")
        let b = try fixture.network(cidr: "10.34.0.0/16")
        let ec2 = fixture.ec2()
        let requested = try ec2.createVpcPeeringConnection(
            vpcID: a.vpc, peerVpcID: b.vpc, peerRegion: nil, peerOwnerID: nil,
            tags: [("privatelinkd:setup", "su_peer")])
        #expect(requested.id.hasPrefix("pcx-"))
        let accepted = try ec2.acceptVpcPeeringConnection(id: requested.id)
        #expect(accepted.status == "active")
        let described = try ec2.describeVpcPeeringConnections(ids: [requested.id])
        #expect(described.first?.requesterVpcID == a.vpc && described.first?.accepterVpcID == b.vpc)
        let tables = try ec2.describeRouteTables(filters: [EC2Filter("vpc-id", [a.vpc])])
        #expect(!tables.isEmpty && tables.allSatisfy { $0.vpcID == a.vpc })
        #expect(tables.contains { $0.isMain })
        #expect(tables.flatMap(\.routes).contains { $0.destinationCIDR == "10.33.0.0/16" })
    }

    @Test func awsErrorsAreTypedWithCodeMessageAndRequestID() throws {
        let fixture = try MotoFixture()
        #expect {
            try fixture.ec2().describeVpcs(ids: ["vpc-0000000000000dead"])
        } throws: { error in
            guard let error = error as? AWSError else { return false }
            return error.code == "InvalidVpcID.NotFound" && error.httpStatus == 400 && !error.message.isEmpty
                && error.requestID?.isEmpty == false && error.isNotFound && !error.isRetryable
        }
    }
}
