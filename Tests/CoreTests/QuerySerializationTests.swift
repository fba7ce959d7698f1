import Foundation
import Testing
@testable import Core

/// What our EC2 and STS clients put on the wire, against what botocore's serializers produce for
/// the same input (scripts/query-vectors.py). Covers the fields moto ignores (ServiceRegion,
/// ClientToken, PeerOwnerId), which a moto round trip cannot check.
@Suite struct QuerySerializationTests {
    static let vectors: [JSON] = {
        let url = Bundle.module.url(forResource: "Resources/query-vectors", withExtension: "json")!
        return try! JSON.parse(Data(contentsOf: url))["vectors"]!.arrayValue!
    }()

    static func answer(_ operation: String) -> String {
        switch operation {
        case "CreateVpcEndpoint": return "<R><vpcEndpoint><vpcEndpointId>vpce-1</vpcEndpointId></vpcEndpoint></R>"
        case "DescribeVpcAttribute": return "<R><enableDnsHostnames><value>true</value></enableDnsHostnames></R>"
        case "CreateVpcPeeringConnection", "AcceptVpcPeeringConnection":
            return "<R><vpcPeeringConnection><vpcPeeringConnectionId>pcx-1</vpcPeeringConnectionId></vpcPeeringConnection></R>"
        case "AssumeRole":
            return "<R><AssumeRoleResult><Credentials><AccessKeyId>A</AccessKeyId><SecretAccessKey>S</SecretAccessKey></Credentials></AssumeRoleResult></R>"
        default: return "<R/>"
        }
    }

    @Test(arguments: QuerySerializationTests.vectors.compactMap { $0["operation"]?.stringValue })
    func sameParametersAsBotocore(operation: String) throws {
        let vector = try #require(Self.vectors.first { $0["operation"]?.stringValue == operation })
        let input = try #require(vector["input"])
        let transport = ScriptedTransport([.status(200, Self.answer(operation))])
        let aws = AWSClient(
            environment: AWSEnvironment(variables: ["AWS_ENDPOINT_URL": "http://127.0.0.1:9"]),
            credentials: StaticCredentialProvider(AWSCredentials(accessKeyID: "AKID", secretAccessKey: "s")),
            transport: transport, sleep: { _ in })
        let ec2 = EC2Client(client: aws, region: "us-east-1")
        let strings = { (key: String) in input[key]?.arrayValue?.compactMap(\.stringValue) ?? [] }
        let string = { (key: String) in input[key]?.stringValue }
        let filters = (input["Filters"]?.arrayValue ?? []).map { EC2Filter($0["Name"]!.stringValue!, $0["Values"]!.arrayValue!.compactMap(\.stringValue)) }
        let tags = (input["TagSpecifications"]?.arrayValue?.first?["Tags"]?.arrayValue ?? []).map { ($0["Key"]!.stringValue!, $0["Value"]!.stringValue!) }
        switch operation {
        case "CreateVpcEndpoint":
            _ = try ec2.createVpcEndpoint(
                .init(
                    vpcID: string("VpcId")!, serviceName: string("ServiceName")!, subnetIDs: strings("SubnetIds"),
                    securityGroupIDs: strings("SecurityGroupIds"), privateDNSEnabled: input["PrivateDnsEnabled"]!.boolValue!,
                    serviceRegion: string("ServiceRegion"), clientToken: string("ClientToken"), tags: tags))
        case "DescribeVpcEndpoints": _ = try ec2.describeVpcEndpoints(ids: strings("VpcEndpointIds"), filters: filters)
        case "DescribeVpcEndpointServices":
            _ = try ec2.describeVpcEndpointServices(serviceNames: strings("ServiceNames"), serviceRegions: strings("ServiceRegions"))
        case "DeleteVpcEndpoints": _ = try ec2.deleteVpcEndpoints(ids: strings("VpcEndpointIds"))
        case "DescribeVpcs": _ = try ec2.describeVpcs(ids: strings("VpcIds"))
        case "DescribeVpcAttribute": _ = try ec2.describeVpcAttribute(vpcID: string("VpcId")!, attribute: string("Attribute")!)
        case "DescribeSubnets": _ = try ec2.describeSubnets(ids: strings("SubnetIds"))
        case "DescribeSecurityGroups": _ = try ec2.describeSecurityGroups(ids: strings("GroupIds"))
        case "DescribeNetworkInterfaces": _ = try ec2.describeNetworkInterfaces(ids: strings("NetworkInterfaceIds"))
        case "CreateVpcPeeringConnection":
            _ = try ec2.createVpcPeeringConnection(
                vpcID: string("VpcId")!, peerVpcID: string("PeerVpcId")!, peerRegion: string("PeerRegion"),
                peerOwnerID: string("PeerOwnerId"), tags: tags)
        case "AcceptVpcPeeringConnection": _ = try ec2.acceptVpcPeeringConnection(id: string("VpcPeeringConnectionId")!)
        case "DescribeVpcPeeringConnections": _ = try ec2.describeVpcPeeringConnections(ids: strings("VpcPeeringConnectionIds"))
        case "DescribeRouteTables": _ = try ec2.describeRouteTables(filters: filters)
        case "AssumeRole":
            _ = try STSClient(client: aws, region: "us-east-1").assumeRole(
                roleARN: string("RoleArn")!, sessionName: string("RoleSessionName")!,
                externalID: string("ExternalId"), durationSeconds: input["DurationSeconds"]!.intValue!)
        default:
            Issue.record("no call for \(operation)")
        }
        let body = String(decoding: try #require(transport.sent.withLock { $0.first }).body, as: UTF8.self)
        let sent = body.split(separator: "&").map { pair -> [String] in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return parts.map { String($0).removingPercentEncoding! }
        }.sorted { $0.lexicographicallyPrecedes($1) }
        let expected = try #require(vector["parameters"]?.arrayValue).map { $0.arrayValue!.compactMap(\.stringValue) }
        #expect(sent == expected)
    }
}
