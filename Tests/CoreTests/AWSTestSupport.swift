import Foundation
@testable import Core

/// Builds clients against the shared moto emulator and creates network fixtures through the same
/// Query path our clients use (moto accepts any account's calls with dummy credentials). moto takes
/// the account from the access key: `credentials` from an STS AssumeRole make the fixture act in
/// the role's account.
struct MotoFixture {
    let moto: MotoServer
    let aws: AWSClient
    let region: String

    init(
        region: String = "us-east-1", recorder: (any AWSCallRecorder)? = nil, limiter: RateLimiter = RateLimiter(),
        credentials: AWSCredentials = MotoServer.credentials
    ) throws {
        moto = try MotoServer.shared()
        self.region = region
        aws = AWSClient(
            environment: moto.environment(region: region), credentials: StaticCredentialProvider(credentials),
            limiter: limiter, recorder: recorder, sleep: { _ in })
    }

    func ec2(_ context: CallContext = CallContext()) -> EC2Client { EC2Client(client: aws, region: region, context: context) }

    /// Calls any EC2 action (for fixtures our client has no method for).
    @discardableResult
    func raw(_ action: String, _ parameters: [(String, String)]) throws -> XMLTree {
        try aws.query(
            .ec2, action: action, version: "2016-11-15", region: region, parameters: parameters,
            actionClass: ActionClass.ec2(action), context: CallContext())
    }

    /// A VPC with DNS support and hostnames on, two subnets in two AZs, and a security group that
    /// accepts TCP 443 from the VPC's CIDR.
    func network(cidr: String = "10.20.0.0/16") throws -> (vpc: String, subnets: [String], securityGroup: String) {
        let vpc = try raw("CreateVpc", [("CidrBlock", cidr)]).text("vpc", "vpcId")!
        try raw("ModifyVpcAttribute", [("VpcId", vpc), ("EnableDnsHostnames.Value", "true")])
        try raw("ModifyVpcAttribute", [("VpcId", vpc), ("EnableDnsSupport.Value", "true")])
        let zones = try ec2().describeAvailabilityZones()
        let prefix = cidr.split(separator: ".").prefix(2).joined(separator: ".")
        var subnets: [String] = []
        for (i, zone) in zones.prefix(2).enumerated() {
            subnets.append(
                try raw("CreateSubnet", [("VpcId", vpc), ("CidrBlock", "\(prefix).\(i + 1).0/24"), ("AvailabilityZone", zone.name)])
                    .text("subnet", "subnetId")!)
        }
        let group = try raw(
            "CreateSecurityGroup", [("GroupName", "pl-\(UUID().uuidString.prefix(8))"), ("GroupDescription", "privatelinkd test"), ("VpcId", vpc)]
        )
        .text("groupId")!
        try admit(cidr, to: group)
        return (vpc, subnets, group)
    }

    /// A rule letting TCP 443 from `cidr` into the group (what the network team adds for spokes).
    func admit(_ cidr: String, to group: String) throws {
        try raw(
            "AuthorizeSecurityGroupIngress",
            [
                ("GroupId", group), ("IpPermissions.1.IpProtocol", "tcp"),
                ("IpPermissions.1.FromPort", "443"), ("IpPermissions.1.ToPort", "443"),
                ("IpPermissions.1.IpRanges.1.CidrIp", cidr),
            ])
    }
}

/// Runs boto3 against the emulator: an independent client reading back what ours wrote.
func boto3(_ moto: MotoServer, region: String = "us-east-1", _ script: String) throws -> JSON {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [
        "python3", "-c",
        """
        import boto3, json, sys
        session = boto3.session.Session(aws_access_key_id="AKIATESTTESTTESTTEST", aws_secret_access_key="test-secret", region_name="\(region)")
        ec2 = session.client("ec2", endpoint_url="\(moto.url.absoluteString)")
        route53 = session.client("route53", endpoint_url="\(moto.url.absoluteString)")
        \(script)
        """,
    ]
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw MotoUnavailable(output: "boto3 script failed: \(errorText)") }
    return try JSON.parse(data)
}
